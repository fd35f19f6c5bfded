package io.mailca.dane;

import io.mailca.dns.DnsClient;
import io.mailca.dns.DnsException;
import io.mailca.dns.DnssecAnswer;
import io.mailca.dns.DnssecValidator;
import io.mailca.dns.SecurityStatus;
import io.mailca.store.DaneRows;
import io.mailca.store.DaneStatus;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jboss.logging.Logger;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Type;

/**
 * Checks a publication the way the world sees it: asks every authoritative server of the zone
 * (its NS records, or the configured list) what it serves at the owner name, so a lagging
 * secondary shows, and judges whether the TLSA answer is DNSSEC-secure (RFC 4035 §4.3) the way a
 * sending MTA's validating resolver would: by default MailCA validates in process from IANA's
 * root KSKs and the configured trust-anchor file; with {@code mailca.dane.validating-resolver}
 * it trusts that resolver's AD bit (RFC 4035 §3.2.3, RFC 6840 §5.7). RFC 6698 §4.1 clients
 * ignore TLSA that is not secure, so an insecure answer is a loud warning, never a success.
 * Every lookup goes through {@code io.mailca.dns}.
 */
@ApplicationScoped
public class TlsaVerifier {
    private static final Logger LOG = Logger.getLogger(TlsaVerifier.class);

    private final DnsClient dns;
    private final DaneRows rows;
    private final DaneSettings settings;

    private final DnssecValidator validator;

    TlsaVerifier(DnsClient dns, DaneRows rows, DaneSettings settings) {
        this.dns = dns;
        this.rows = rows;
        this.settings = settings;
        this.validator = validator(dns, settings);
        LOG.infof("DANE judges DNSSEC by %s", validator.describe());
    }

    /** The validator the settings choose: an external resolver's AD bit, or in process. */
    static DnssecValidator validator(DnsClient dns, DaneSettings settings) {
        var external = settings.validatingResolver().filter(s -> !s.isBlank());
        if (external.isPresent()) {
            return DnssecValidator.trustingAdBit(external.get(), settings.timeout());
        }
        return dns.inProcessValidator(settings.validatorUpstream(), settings.timeout(),
                settings.rootTrustAnchor(), settings.trustAnchorFile().filter(s -> !s.isBlank())
                        .map(Path::of));
    }

    /** What one check found. */
    public record Verdict(boolean secure, List<String> served, String detail) {
    }

    /** Verifies {@code owner}, logs the outcome, and stores it as the owner's status. */
    public Verdict verify(String zone, String host, String owner, List<TlsaRecord> desired,
            Instant now) {
        var expected = new TreeSet<String>();
        desired.forEach(r -> expected.add(r.toString()));
        var served = new ArrayList<String>();
        var lagging = new ArrayList<String>();
        for (var server : authoritativeServers(zone)) {
            var records = ask(server, owner);
            served.add(server.getHostString() + ":" + server.getPort() + " " + records);
            if (!new TreeSet<>(records).containsAll(expected)) {
                lagging.add(server.getHostString() + ":" + server.getPort());
            }
        }
        var judged = judge(owner);
        var secure = judged.secure() && !judged.records().isEmpty();
        var detail = new StringBuilder();
        if (!secure) {
            detail.append("TLSA at ").append(owner).append(" is NOT DNSSEC-secure (")
                    .append(judged.secure() ? "no TLSA record in the validated answer"
                            : judged.security() + ": " + judged.reason())
                    .append("): sending MTAs ignore it (RFC 6698 §4.1, RFC 7672 §2.2); sign the"
                            + " zone and publish its DS in the parent, or add its anchor to"
                            + " mailca.dane.trust-anchor-file");
            LOG.warnf("DANE INSECURE: %s", detail);
        }
        if (!lagging.isEmpty()) {
            detail.append(detail.length() > 0 ? "; " : "").append("authoritative servers not"
                    + " yet serving the desired RRset: ").append(lagging);
            LOG.warnf("TLSA %s not yet served by %s", owner, lagging);
        }
        var verdict = new Verdict(secure, List.copyOf(served), detail.toString());
        LOG.debugf("TLSA %s verified: secure=%s served=%s", owner, secure, served);
        QuarkusTransaction.requiringNew().run(() -> {
            var status = rows.status(owner).orElseGet(DaneStatus::new);
            status.ownerName = owner;
            status.host = host;
            status.secure = verdict.secure();
            status.served = String.join("\n", verdict.served());
            status.detail = verdict.detail().isEmpty() ? null : verdict.detail();
            status.checkedAt = now;
            rows.save(status);
        });
        return verdict;
    }

    /** The DNSSEC status of the TLSA answer at {@code owner}; no answer is indeterminate. */
    DnssecAnswer judge(String owner) {
        try {
            return validator.validate(owner, Type.TLSA);
        } catch (DnsException e) {
            LOG.warnf("could not judge the DNSSEC status of %s: %s", owner, e.getMessage());
            return new DnssecAnswer(owner, Type.TLSA, SecurityStatus.INDETERMINATE,
                    e.getMessage(), List.of());
        }
    }

    private List<InetSocketAddress> authoritativeServers(String zone) {
        var configured = settings.zones().get(zone).authoritative();
        if (configured.isPresent() && !configured.get().isEmpty()) {
            return configured.get().stream().map(s -> Rfc2136Publisher.address(s, 53)).toList();
        }
        var servers = new ArrayList<InetSocketAddress>();
        try {
            for (var ns : dns.lookup(zone, Type.NS).records(NSRecord.class)) {
                for (var address : dns.addresses(ns.getTarget().toString(true))) {
                    servers.add(new InetSocketAddress(address, 53));
                }
            }
        } catch (DnsException e) {
            LOG.warnf("could not find the authoritative servers of %s: %s", zone,
                    e.getMessage());
        }
        return servers;
    }

    private List<String> ask(InetSocketAddress server, String owner) {
        try {
            var answer = dns.askAuthoritative(server, owner, Type.TLSA, settings.timeout());
            var result = new ArrayList<String>();
            for (var record : answer.records()) {
                result.add(Rfc2136Publisher.tlsa(record).toString());
            }
            result.sort(null);
            return result;
        } catch (DnsException e) {
            return List.of("no answer: " + e.getMessage());
        }
    }

    /**
     * The TLSA records at {@code owner} of each authoritative server of {@code zone} that
     * answered, for publishers that cannot read what their zone holds (the script publisher).
     */
    List<Set<TlsaRecord>> served(String zone, String owner) {
        return served(dns, authoritativeServers(zone), owner, settings.timeout());
    }

    /** The TLSA records at {@code owner} of each of {@code servers} that answered. */
    static List<Set<TlsaRecord>> served(DnsClient dns, List<InetSocketAddress> servers,
            String owner, Duration timeout) {
        var result = new ArrayList<Set<TlsaRecord>>();
        for (var server : servers) {
            try {
                var records = new HashSet<TlsaRecord>();
                dns.askAuthoritative(server, owner, Type.TLSA, timeout).records()
                        .forEach(r -> records.add(Rfc2136Publisher.tlsa(r)));
                result.add(records);
            } catch (DnsException e) {
                // Unknown is not empty: a server that did not answer says nothing.
                LOG.debugf("%s:%d did not answer TLSA %s: %s", server.getHostString(),
                        server.getPort(), owner, e.getMessage());
            }
        }
        return result;
    }
}
