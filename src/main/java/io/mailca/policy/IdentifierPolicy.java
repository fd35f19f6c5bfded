package io.mailca.policy;

/**
 * Decides whether MailCA may certify an identifier (RFC 8555 §7.4: the server refuses
 * identifiers it will not issue for with {@code rejectedIdentifier}). The mail-host rules
 * ({@link MailHostPolicy}) are the default; a company can supply its own rule set as a CDI bean
 * of higher priority ({@code @Alternative @Priority}) without touching the ACME code.
 *
 * <p>Rules apply in layers: the global rules first, then the account's {@link NameScope}.
 */
public interface IdentifierPolicy {
    /**
     * Judges one identifier as the client sent it, for an account with the given scope.
     *
     * @param type the ACME identifier type, e.g. {@code dns} or {@code ip}
     * @param value the identifier value, not yet normalised
     * @param scope the names the account is limited to ({@link NameScope#unrestricted()} for
     *     none)
     */
    Decision check(String type, String value, NameScope scope);

    /** Judges an identifier by the global rules alone, as for an unrestricted account. */
    default Decision check(String type, String value) {
        return check(type, value, NameScope.unrestricted());
    }

    /** The most identifiers one order may carry. */
    int maxIdentifiersPerOrder();
}
