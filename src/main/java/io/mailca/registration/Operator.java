package io.mailca.registration;

/**
 * An authenticated caller of the admin API or the command line.
 *
 * @param actor how the audit log names the caller, e.g. {@code token:ID} or {@code cli}
 */
public record Operator(String actor, Role role) {
}
