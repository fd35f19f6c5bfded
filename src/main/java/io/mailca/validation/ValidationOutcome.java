package io.mailca.validation;

/**
 * The result of one challenge validation (RFC 8555 §7.5.1, §8.2). When {@code valid} is false,
 * {@code problemType} is the short name of an ACME error type (RFC 8555 §6.7, to be prefixed with
 * {@code urn:ietf:params:acme:error:}) and {@code detail} a sentence for the ACME client. Neither
 * ever carries a stack trace, a class name or an internal address.
 *
 * @param valid whether the challenge was fulfilled
 * @param problemType ACME error short name, or null when valid
 * @param detail what went wrong, for the client; null when valid
 */
public record ValidationOutcome(boolean valid, String problemType, String detail) {

    /** The applicant's server could not be reached, or misbehaved at the protocol level. */
    public static final String CONNECTION = "connection";
    /** A DNS lookup failed: NXDOMAIN, SERVFAIL, timeout. */
    public static final String DNS = "dns";
    /** The challenge response was reachable but did not match. */
    public static final String INCORRECT_RESPONSE = "incorrectResponse";
    /** The request cannot be validated as given: a bad identifier or token. */
    public static final String MALFORMED = "malformed";
    /** The applicant's server refused to show the response, or nothing was published. */
    public static final String UNAUTHORIZED = "unauthorized";

    private static final ValidationOutcome VALID = new ValidationOutcome(true, null, null);

    public ValidationOutcome {
        if (valid != (problemType == null) || valid != (detail == null)) {
            throw new IllegalArgumentException(
                    "a valid outcome has no problem, an invalid one has");
        }
    }

    /** The challenge was fulfilled. */
    public static ValidationOutcome success() {
        return VALID;
    }

    /** The challenge failed with an ACME problem of {@code problemType}. */
    public static ValidationOutcome invalid(String problemType, String detail) {
        return new ValidationOutcome(false, problemType, detail);
    }
}
