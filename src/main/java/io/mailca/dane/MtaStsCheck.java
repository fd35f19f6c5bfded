package io.mailca.dane;

import io.mailca.dns.DnsClient;
import io.mailca.dns.DnsException;
import io.mailca.store.DaneRows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * Warns when a mail domain whose MX hosts carry MailCA certificates publishes an MTA-STS
 * policy (RFC 8461) in {@code enforce} mode: senders that enforce it validate the MX
 * certificate through the WebPKI (RFC 8461 §4.2) and refuse to deliver to those hosts,
 * whatever DANE says. Runs with the probe (every {@code mailca.dane.probe-every}), never in an
 * ACME request.
 *
 * <p>Per mail domain: its MX records; if an exchange is a host MailCA certified, the TXT
 * record at {@code _mta-sts.DOMAIN} (§3.1); if there is one, the policy file (§3.3). The
 * verdicts are kept in memory per replica (each replica checks on its own schedule); a failed
 * DNS lookup keeps the domain's previous verdict.
 */
@ApplicationScoped
public class MtaStsCheck {
    private static final Logger LOG = Logger.getLogger(MtaStsCheck.class);

    private final DnsClient dns;
    private final DaneRows rows;
    private final HostServices services;
    private final DaneSettings settings;
    private final Clock clock;
    private final Map<String, Finding> findings = new ConcurrentHashMap<>();

    MtaStsCheck(DnsClient dns, DaneRows rows, HostServices services, DaneSettings settings,
            Clock clock) {
        this.dns = dns;
        this.rows = rows;
        this.services = services;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * What MailCA found about one mail domain's MTA-STS policy.
     *
     * @param domain the mail domain
     * @param mxHosts its MX hosts that carry MailCA certificates
     * @param id the {@code id} of its {@code _mta-sts} TXT record
     * @param mode {@code enforce} or {@code testing}; null when the policy could not be read
     * @param warning true when senders enforcing the policy may refuse mail (enforce, or a
     *     policy that could not be read); false for a note (testing)
     * @param message what it means, for a person
     */
    public record Finding(String domain, List<String> mxHosts, String id, String mode,
            boolean warning, String message, Instant checkedAt) {

        public Finding {
            mxHosts = List.copyOf(mxHosts);
        }
    }

    @Scheduled(every = "${mailca.dane.probe-every:15m}", delayed = "2m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        check(clock.instant());
    }

    /** Checks every mail domain; returns the findings now held, by domain. */
    public List<Finding> check(Instant now) {
        var certified = new HashSet<String>();
        QuarkusTransaction.requiringNew().call(rows::certificateNames)
                .forEach(h -> certified.add(h.toLowerCase(Locale.ROOT)));
        for (var domain : services.mailDomains()) {
            var bare = domain.toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
            try {
                check(bare, certified, now).ifPresentOrElse(f -> findings.put(bare, f),
                        () -> findings.remove(bare));
            } catch (DnsException e) {
                LOG.warnf("MTA-STS check of %s postponed, its previous verdict kept: %s", bare,
                        e.getMessage());
            }
        }
        return findings();
    }

    /** The findings held, by domain. */
    public List<Finding> findings() {
        return findings.values().stream().sorted((a, b) -> a.domain().compareTo(b.domain()))
                .toList();
    }

    /** The findings of domains that {@code host} is an MX host of. */
    public List<Finding> findingsFor(String host) {
        return findings().stream().filter(f -> f.mxHosts().contains(host)).toList();
    }

    private Optional<Finding> check(String domain, Set<String> certified, Instant now)
            throws DnsException {
        var mxHosts = dns.lookup(domain, Type.MX).records(MXRecord.class).stream()
                .map(r -> r.getTarget().toString(true).toLowerCase(Locale.ROOT))
                .filter(certified::contains).distinct().sorted().toList();
        if (mxHosts.isEmpty()) {
            return Optional.empty();
        }
        var txt = dns.lookup("_mta-sts." + domain, Type.TXT).records(TXTRecord.class).stream()
                .map(r -> String.join("", r.getStrings())).toList();
        var id = MtaStsPolicy.txtId(txt);
        if (id.isEmpty()) {
            return Optional.empty();
        }
        var url = "https://" + MtaStsFetcher.policyHost(domain) + MtaStsFetcher.PATH;
        MtaStsPolicy policy;
        try {
            var body = new MtaStsFetcher(settings.timeout()).fetch(domain, address(domain));
            policy = MtaStsPolicy.parse(body);
        } catch (IOException | DnsException | IllegalArgumentException e) {
            var message = "MTA-STS policy of " + domain + " could not be read from " + url
                    + " (" + e.getMessage() + "), though " + domain + " publishes an _mta-sts TXT"
                    + " record (id " + id.get() + "). If its mode is enforce, senders refuse"
                    + " mail to " + mxHosts + ", whose MailCA certificates are no WebPKI"
                    + " certificates (RFC 8461 §4.2); it is likely served for WebPKI-only"
                    + " senders out of MailCA's reach: check its mode";
            LOG.warn(message);
            return Optional.of(new Finding(domain, mxHosts, id.get(), null, true, message,
                    now));
        }
        return switch (policy.mode()) {
            case ENFORCE -> {
                var message = "MTA-STS ENFORCE for " + domain + ": senders that enforce its"
                        + " policy refuse mail to " + mxHosts + ", whose MailCA certificates"
                        + " are no WebPKI certificates (RFC 8461 §4.2), DANE or not. Set"
                        + " 'mode: testing' or 'mode: none' in " + url + " or serve WebPKI"
                        + " certificates on these hosts";
                LOG.warn(message);
                yield Optional.of(new Finding(domain, mxHosts, id.get(), "enforce", true,
                        message, now));
            }
            case TESTING -> {
                var message = "MTA-STS testing for " + domain + ": senders deliver but report"
                        + " failed validation of " + mxHosts + " (RFC 8460); 'mode: enforce'"
                        + " would make them refuse mail to these hosts";
                LOG.info(message);
                yield Optional.of(new Finding(domain, mxHosts, id.get(), "testing", false,
                        message, now));
            }
            case NONE -> Optional.empty();
        };
    }

    private InetSocketAddress address(String domain) throws DnsException, IOException {
        var port = settings.mtaSts().port();
        var fixed = settings.mtaSts().address().filter(s -> !s.isBlank());
        if (fixed.isPresent()) {
            return new InetSocketAddress(fixed.get(), port);
        }
        var host = MtaStsFetcher.policyHost(domain);
        var addresses = dns.addresses(host);
        if (addresses.isEmpty()) {
            throw new IOException(host + " has no address");
        }
        return new InetSocketAddress(addresses.get(0), port);
    }
}
