package io.mailca.registration;

import java.util.Locale;
import java.util.Optional;

/**
 * What an admin API caller may do. Each role includes the ones below it: an admin can do what
 * an operator can, an operator what a viewer can.
 */
public enum Role {
    /** Reads everything but secrets. */
    VIEWER,
    /** Also revokes certificates, deactivates accounts and manages EAB keys. */
    OPERATOR,
    /** Also manages admin tokens. */
    ADMIN;

    /** Whether this role may do what {@code required} may. */
    public boolean covers(Role required) {
        return compareTo(required) >= 0;
    }

    /** The lower-case name used on the wire and on the command line. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> ofWireName(String name) {
        for (var role : values()) {
            if (role.wireName().equals(name)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
