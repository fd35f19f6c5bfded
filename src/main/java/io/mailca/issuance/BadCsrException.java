package io.mailca.issuance;

/**
 * A CSR sent to finalize an order that MailCA will not sign (RFC 8555 §7.4, problem type
 * {@code urn:ietf:params:acme:error:badCSR}). The message is written for the ACME client's
 * operator and reveals nothing about the server.
 */
public final class BadCsrException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadCsrException(String message) {
        super(message);
    }

    public BadCsrException(String message, Throwable cause) {
        super(message, cause);
    }
}
