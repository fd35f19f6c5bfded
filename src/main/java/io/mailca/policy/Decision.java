package io.mailca.policy;

/**
 * The outcome of a policy check, with a reason a person can read. {@code normalized} is the
 * form MailCA certifies (lower case) when allowed.
 */
public record Decision(Verdict verdict, String normalized, String reason) {
    /** Why a name was refused, which the front end turns into an ACME problem type. */
    public enum Verdict {
        ALLOWED,
        /** Not a well-formed identifier of its type. */
        MALFORMED,
        /** A type MailCA never certifies (RFC 8555 {@code unsupportedIdentifier}). */
        UNSUPPORTED,
        /** Well formed, but not one of the company's mail hosts. */
        REJECTED
    }

    public static Decision allowed(String normalized, String reason) {
        return new Decision(Verdict.ALLOWED, normalized, reason);
    }

    public static Decision refused(Verdict verdict, String reason) {
        return new Decision(verdict, null, reason);
    }

    public boolean isAllowed() {
        return verdict == Verdict.ALLOWED;
    }
}
