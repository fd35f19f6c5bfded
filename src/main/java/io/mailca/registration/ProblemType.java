package io.mailca.registration;

/** The ACME error types of RFC 8555 §6.7, with the HTTP status MailCA answers each with. */
public enum ProblemType {
    ACCOUNT_DOES_NOT_EXIST("accountDoesNotExist", 400),
    /** RFC 9773 §7.4: the certificate named in {@code replaces} already has a successor. */
    ALREADY_REPLACED("alreadyReplaced", 409),
    ALREADY_REVOKED("alreadyRevoked", 400),
    BAD_CSR("badCSR", 400),
    BAD_NONCE("badNonce", 400),
    BAD_PUBLIC_KEY("badPublicKey", 400),
    BAD_REVOCATION_REASON("badRevocationReason", 400),
    BAD_SIGNATURE_ALGORITHM("badSignatureAlgorithm", 400),
    CAA("caa", 403),
    COMPOUND("compound", 400),
    CONNECTION("connection", 400),
    DNS("dns", 400),
    EXTERNAL_ACCOUNT_REQUIRED("externalAccountRequired", 400),
    INCORRECT_RESPONSE("incorrectResponse", 400),
    INVALID_CONTACT("invalidContact", 400),
    /** draft-aaron-acme-profiles: newOrder named a profile the server does not offer. */
    INVALID_PROFILE("invalidProfile", 400),
    MALFORMED("malformed", 400),
    ORDER_NOT_READY("orderNotReady", 403),
    RATE_LIMITED("rateLimited", 429),
    REJECTED_IDENTIFIER("rejectedIdentifier", 400),
    SERVER_INTERNAL("serverInternal", 500),
    TLS("tls", 400),
    UNAUTHORIZED("unauthorized", 403),
    UNSUPPORTED_CONTACT("unsupportedContact", 400),
    UNSUPPORTED_IDENTIFIER("unsupportedIdentifier", 400),
    USER_ACTION_REQUIRED("userActionRequired", 403);

    private static final String PREFIX = "urn:ietf:params:acme:error:";

    private final String name;
    private final int status;

    ProblemType(String name, int status) {
        this.name = name;
        this.status = status;
    }

    /** The short name, e.g. {@code badNonce}. */
    public String shortName() {
        return name;
    }

    /** The full type URN, e.g. {@code urn:ietf:params:acme:error:badNonce}. */
    public String urn() {
        return PREFIX + name;
    }

    public int status() {
        return status;
    }

    /** The type of a short name, or {@link #MALFORMED} for a name MailCA does not know. */
    public static ProblemType ofShortName(String shortName) {
        for (var type : values()) {
            if (type.name.equals(shortName)) {
                return type;
            }
        }
        return MALFORMED;
    }
}
