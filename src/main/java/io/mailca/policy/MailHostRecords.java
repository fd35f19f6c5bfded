package io.mailca.policy;

import io.mailca.dns.DnsClient;
import io.mailca.dns.MailServiceRecords;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DNS evidence that a name is a mail host: it is the exchange of an MX record of a mail domain
 * (RFC 5321 §5.1), or the target of one of the mail-service SRV records of a mail domain: the
 * submission services of RFC 6186 §3.1 and RFC 8314 §5.1, IMAP and POP3 of RFC 6186 §3.2 and
 * RFC 8314 §5.2. An SRV target of "." says the service is not offered (RFC 2782) and counts for
 * nothing.
 *
 * <p>The records are looked up through the one {@link DnsClient}, by
 * {@link MailServiceRecords}, which {@code dane} reads the same way. A complete set of answers
 * is kept for {@code cacheFor} (zero: never), so that a burst of orders does not repeat seven
 * queries per domain for each name; a set in which a lookup failed is not kept.
 */
final class MailHostRecords {
    /** What the records of the mail domains say: host name to the record naming it. */
    record Snapshot(Map<String, String> hosts, List<String> failures, Instant takenAt) {
    }

    private final DnsClient dns;
    private final List<String> domains;
    private final boolean mx;
    private final boolean srv;
    private final Duration cacheFor;
    private final Clock clock;
    private volatile Snapshot cached;

    MailHostRecords(DnsClient dns, List<String> domains, boolean mx, boolean srv,
            Duration cacheFor, Clock clock) {
        this.dns = dns;
        this.domains = domains;
        this.mx = mx;
        this.srv = srv;
        this.cacheFor = cacheFor;
        this.clock = clock;
    }

    boolean mx() {
        return mx;
    }

    boolean srv() {
        return srv;
    }

    boolean enabled() {
        return mx || srv;
    }

    /** The current evidence, from the cache when it is fresh enough. */
    Snapshot snapshot() {
        var now = clock.instant();
        var current = cached;
        if (current != null && now.isBefore(current.takenAt().plus(cacheFor))) {
            return current;
        }
        var fresh = lookUp(now);
        if (fresh.failures().isEmpty() && !cacheFor.isZero()) {
            cached = fresh;
        }
        return fresh;
    }

    private Snapshot lookUp(Instant now) {
        var found = new MailServiceRecords(dns).lookUp(domains, mx, srv);
        var hosts = new LinkedHashMap<String, String>();
        for (var target : found.targets()) {
            hosts.putIfAbsent(target.host(), target.record());
        }
        return new Snapshot(Map.copyOf(hosts), List.copyOf(found.failures().values()), now);
    }
}
