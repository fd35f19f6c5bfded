package io.mailca.policy;

/**
 * Decides whether MailCA may certify an identifier. The mail-host rules ({@link MailHostPolicy})
 * are the default; a company can supply its own rule set as a CDI bean of higher priority
 * ({@code @Alternative @Priority}) without touching the ACME code.
 */
public interface IdentifierPolicy {
    /**
     * Judges one identifier as the client sent it.
     *
     * @param type the ACME identifier type, e.g. {@code dns} or {@code ip}
     * @param value the identifier value, not yet normalised
     */
    Decision check(String type, String value);

    /** The most identifiers one order may carry. */
    int maxIdentifiersPerOrder();
}
