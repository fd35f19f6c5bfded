package io.mailca.admin;

/** Paths of the admin API. */
public final class AdminPaths {
    public static final String ROOT = "/admin/v1";

    private AdminPaths() {
    }
}
