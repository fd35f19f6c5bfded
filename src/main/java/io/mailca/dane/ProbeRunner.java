package io.mailca.dane;

import io.mailca.dns.DnsClient;
import io.mailca.dns.DnsException;
import io.mailca.store.Authorities;
import io.mailca.store.DaneProbe;
import io.mailca.store.DaneRows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Probes what each certified mail host really serves (issue #4): per host and service, the
 * presented chain, whether it matches the TLSA records MailCA published at the owner name
 * (RFC 6698 §2.1: DANE-EE against the leaf, DANE-TA against a CA certificate in the chain,
 * RFC 7671 §5.2) and whether it chains to the MailCA root. A host serving a superseded or
 * expired certificate, or one no TLSA record matches, raises an alert: the most common DANE
 * outage is a renewed certificate that was never deployed. Each probe then queues a job for
 * the host, so that a superseded key's record can go once the new key is seen everywhere.
 *
 * <p>Every address of the host is probed, AAAA and A (at most {@link #MAX_ADDRESSES}): a name
 * with IPv4 and IPv6, or several servers behind one name, may serve the old key on one of
 * them, and a sending MTA may connect to any (RFC 7672 §2.2.1 tries each MX address in turn).
 * An address that does not answer is recorded without a key and raises an alert; it neither
 * counts as serving the new key nor hides what the others serve.
 */
@ApplicationScoped
public class ProbeRunner {
    private static final Logger LOG = Logger.getLogger(ProbeRunner.class);

    /** Addresses probed per host at most, so that a name with many records cannot stall it. */
    static final int MAX_ADDRESSES = 8;

    private final DaneRows rows;
    private final Authorities authorities;
    private final DnsClient dns;
    private final DaneSettings settings;
    private final Publishers publishers;
    private final HostServices services;
    private final Clock clock;
    private final DaneMetrics metrics;

    ProbeRunner(DaneRows rows, Authorities authorities, DnsClient dns, DaneSettings settings,
            Publishers publishers, HostServices services, Clock clock, DaneMetrics metrics) {
        this.rows = rows;
        this.authorities = authorities;
        this.dns = dns;
        this.settings = settings;
        this.publishers = publishers;
        this.services = services;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * One host, port and address, as probed, with the service spoken there; {@code address} is
     * null when the host's addresses could not be resolved.
     */
    public record Result(String host, ServicePort service, int port, String address,
            String spkiSha256, boolean matchesTlsa, boolean chainsToRoot, String alert) {
    }

    @Scheduled(every = "${mailca.dane.probe-every:15m}", delayed = "2m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        // Hosts a wildcard certificate covers have no certificate of their own, but records.
        var hosts = QuarkusTransaction.requiringNew().call(() -> {
            var all = new java.util.LinkedHashSet<>(rows.certificateNames());
            rows.allCurrentRecords().forEach(r -> all.add(r.host));
            return all;
        });
        for (var host : hosts) {
            if (publishers.zoneOf(host).isPresent()) {
                probe(host, clock.instant());
            }
        }
    }

    /**
     * Probes every configured service of {@code host} at each of its addresses (or at
     * {@code mailca.dane.probe.address}); records and returns the results.
     */
    public List<Result> probe(String host, Instant time) {
        var fixed = settings.probe().address().filter(s -> !s.isBlank());
        List<InetAddress> addresses;
        try {
            addresses = fixed.isPresent() ? List.of(InetAddress.getByName(fixed.get()))
                    : addresses(host);
        } catch (IOException | DnsException e) {
            return probe(host, time, List.of(), e.getMessage());
        }
        return probe(host, time, addresses, null);
    }

    /**
     * Probes every configured service of {@code host} at exactly {@code addresses}, as
     * {@link #probe(String, Instant)} does after resolving them; records and returns the
     * results, one per service and address.
     */
    public List<Result> probe(String host, Instant time, List<InetAddress> addresses) {
        return probe(host, time, addresses, addresses.isEmpty() ? host + " has no address"
                : null);
    }

    private List<Result> probe(String host, Instant time, List<InetAddress> addresses,
            String unresolved) {
        var now = time.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        HostProfile profile;
        try {
            profile = services.profile(host);
        } catch (PublishException e) {
            LOG.warnf("DANE probe of %s skipped: %s", host, e.getMessage());
            return List.of();
        }
        var results = new ArrayList<Result>();
        for (var service : profile.services()) {
            if (unresolved != null) {
                var alert = "no TLS on " + host + ":" + service.port() + " (" + service + "): "
                        + unresolved;
                LOG.warnf("DANE probe: %s", alert);
                results.add(new Result(host, service, service.port(), null, null, false, false,
                        alert));
                continue;
            }
            for (var address : addresses) {
                results.add(probe(host, service, address, addresses.size() > 1, now));
            }
        }
        QuarkusTransaction.requiringNew().run(() -> {
            for (var r : results) {
                var row = new DaneProbe();
                row.host = r.host();
                row.port = r.port();
                row.address = r.address();
                row.service = r.service().name();
                row.spkiSha256 = r.spkiSha256();
                row.matchesTlsa = r.matchesTlsa();
                row.chainsToRoot = r.chainsToRoot();
                row.alert = r.alert();
                row.seenAt = now;
                rows.add(row);
            }
            rows.enqueue(host, "probe", now);
        });
        metrics.refresh();
        return results;
    }

    /**
     * Connects to {@code address} at the port clients use for {@code service} and speaks its
     * protocol; alerts name the address when the host has several.
     */
    private Result probe(String host, ServicePort service, InetAddress address, boolean named,
            Instant now) {
        var port = service.port();
        var where = host + ":" + port + (named ? " [" + address.getHostAddress() + "]" : "");
        var connectPort = settings.probe().portOverride().getOrDefault(String.valueOf(port),
                port);
        List<X509Certificate> chain;
        try {
            chain = new TlsProbe(settings.timeout()).chain(host, service.service(),
                    new InetSocketAddress(address, connectPort));
        } catch (IOException e) {
            var alert = "no TLS on " + where + " (" + service + "): " + e.getMessage();
            LOG.warnf("DANE probe: %s", alert);
            return new Result(host, service, port, address.getHostAddress(), null, false, false,
                    alert);
        }
        var leaf = chain.get(0);
        var spki = sha256(leaf.getPublicKey().getEncoded());

        // What the host should serve, and what MailCA has published, read in one transaction.
        record Expected(List<TlsaRecord> published, String newest, Set<String> issued,
                X509Certificate root) {
        }
        var expected = QuarkusTransaction.requiringNew().call(() -> {
            var published = rows.currentRecords(service.owner(host)).stream()
                    .map(r -> TlsaRecord.parse(r.rdata)).toList();
            // A wildcard's keys count while MailCA publishes one of them for the host.
            var certificates = DaneWorker.certificatesOf(rows, host,
                    HostServices.wildcardOver(host), java.util.Optional.empty());
            var newest = certificates.stream()
                    .filter(c -> !"revoked".equals(c.status))
                    .filter(c -> DaneWorker.parse(c.pem).getPublicKey().getAlgorithm()
                            .equals(leaf.getPublicKey().getAlgorithm()))
                    .reduce((a, b) -> b).map(c -> c.spkiSha256).orElse(null);
            var issued = certificates.stream().map(c -> c.spkiSha256)
                    .collect(java.util.stream.Collectors.toSet());
            var root = authorities.root().map(a -> DaneWorker.parse(a.certificatePem))
                    .orElse(null);
            return new Expected(published, newest, issued, root);
        });
        var matches = matches(expected.published(), chain);
        var chains = expected.root() != null && chainsTo(chain, expected.root(), now);
        String alert = null;
        if (!now.isBefore(leaf.getNotAfter().toInstant())) {
            alert = where + " serves an EXPIRED certificate (serial "
                    + leaf.getSerialNumber().toString(16) + "); deploy the renewed one";
        } else if (expected.newest() != null && !expected.newest().equals(spki)
                && expected.issued().contains(spki)) {
            // Only a key MailCA certified for this host is superseded; any other certificate
            // (self-signed, another CA's) is simply one that nothing published matches.
            alert = where + " serves a superseded certificate (serial "
                    + leaf.getSerialNumber().toString(16) + "); the renewed one was not deployed";
        } else if (!matches) {
            alert = where + " serves a certificate no published TLSA record matches";
        }
        if (alert != null) {
            LOG.warnf("DANE probe: %s", alert);
        }
        return new Result(host, service, port, address.getHostAddress(), spki, matches, chains,
                alert);
    }

    /** The host's AAAA and A addresses, at most {@link #MAX_ADDRESSES}, IPv6 first. */
    private List<InetAddress> addresses(String host) throws DnsException {
        var addresses = dns.addresses(host);
        if (addresses.size() > MAX_ADDRESSES) {
            LOG.warnf("DANE probe: %s has %d addresses; probing the first %d", host,
                    addresses.size(), MAX_ADDRESSES);
            return addresses.subList(0, MAX_ADDRESSES);
        }
        return addresses;
    }

    /** True when a record matches: DANE-EE the leaf, DANE-TA a CA certificate of the chain. */
    static boolean matches(List<TlsaRecord> records, List<X509Certificate> chain) {
        for (var r : records) {
            if (r.usage() == TlsaRecord.DANE_EE && r.matches(chain.get(0))) {
                return true;
            }
            if (r.usage() == TlsaRecord.DANE_TA
                    && chain.stream().skip(1).anyMatch(r::matches)) {
                return true;
            }
        }
        return false;
    }

    private static boolean chainsTo(List<X509Certificate> chain, X509Certificate root,
            Instant now) {
        try {
            var path = CertificateFactory.getInstance("X.509").generateCertPath(
                    chain.stream().filter(c -> !c.equals(root)).toList());
            var parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
            // The probe judges the chain, not revocation: CRLs are another part's business.
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(path, parameters);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
