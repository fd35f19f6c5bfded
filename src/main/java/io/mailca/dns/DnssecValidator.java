package io.mailca.dns;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Judges the DNSSEC security status of an answer (RFC 4035 §4.3), the way a sending MTA's
 * resolver judges the TLSA records of a mail host (RFC 7672 §2.2). Two kinds:
 *
 * <ul>
 * <li>{@link #inProcess}: MailCA validates itself (dnsjava's {@code ValidatingResolver}, RFC 4035
 * §5): it asks a resolver for the data and its RRSIG, DNSKEY and DS records, and checks the chain
 * from a trust anchor, so nothing between MailCA and that resolver needs to be trusted;
 * <li>{@link #trustingAdBit}: MailCA trusts the AD bit (RFC 4035 §3.2.3, RFC 6840 §5.7) of an
 * external validating resolver, and with it that resolver and the path to it.
 * </ul>
 *
 * Obtain the in-process kind from {@link DnsClient#inProcessValidator}, which asks the
 * configured resolver unless told otherwise.
 */
public interface DnssecValidator {

    /**
     * Asks for {@code type} records at {@code name} and says whether the answer is secure.
     *
     * @throws DnsException when no answer came (timeout, network), or the name is not valid
     */
    DnssecAnswer validate(String name, int type) throws DnsException;

    /** What this validator trusts, for the log: never a secret. */
    String describe();

    /**
     * A validator that trusts the AD bit of the validating resolver at {@code address}
     * ({@code host}, {@code host:port} or {@code [v6]:port}).
     */
    static DnssecValidator trustingAdBit(String address, Duration timeout) {
        return new AdBitValidator(address, timeout);
    }

    /**
     * A validator that checks signatures itself, asking the resolver at {@code upstream} (empty:
     * the system's resolvers) for the records. {@code rootAnchors} adds IANA's root KSKs
     * ({@link TrustAnchors#ROOT}); {@code anchorFile} adds DS or DNSKEY lines in zone-file
     * format, read again when it changes (a company's internal signed zone, whose DS lies in no
     * parent).
     */
    static DnssecValidator inProcess(Optional<String> upstream, Duration timeout,
            boolean rootAnchors, Optional<Path> anchorFile) {
        return new InProcessValidator(upstream, timeout, rootAnchors, anchorFile);
    }
}
