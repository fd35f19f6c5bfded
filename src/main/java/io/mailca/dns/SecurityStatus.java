package io.mailca.dns;

/**
 * The security status of DNS data, in the four words of RFC 4035 §4.3. Only {@link #SECURE}
 * data may be trusted for DANE (RFC 6698 §4.1, RFC 7672 §2.2); the other three all mean "do not
 * rely on it", for different reasons an operator fixes differently.
 */
public enum SecurityStatus {
    /** A chain of signed DNSKEY and DS records leads from a trust anchor to the data. */
    SECURE,
    /** Provably no chain from any trust anchor: an unsigned zone, or a signed one without DS. */
    INSECURE,
    /** A chain should exist but fails: a bad or expired RRSIG, a DS that matches no key. */
    BOGUS,
    /** The status could not be determined: no answer, or a resolver that said SERVFAIL. */
    INDETERMINATE
}
