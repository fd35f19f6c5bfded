package io.mailca.dane;

import io.mailca.dns.DnsClient;
import io.mailca.dns.MailServiceRecords;
import io.mailca.dns.MailServiceRecords.Found;
import io.mailca.dns.MailServiceRecords.Target;
import io.mailca.store.DaneRows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Which services a mail host runs and on which ports, hence its TLSA owner names
 * {@code _PORT._tcp.HOST} (RFC 6698 §3, RFC 7672 §2.2). The operator's
 * {@code mailca.dane.hosts."H".services} win. Without them, the records of the mail domains
 * decide: an MX exchange gets {@code smtp} (always port 25, RFC 7672 §2.2), an SRV target of
 * RFC 6186 / RFC 8314 gets its service at the SRV record's port, which is the port a client
 * that follows the record connects to and so the port of its TLSA owner name (RFC 7673 §3):
 * {@code _imaps._tcp SRV 0 1 993 mail} gives {@code imaps} on 993, {@code ... 9993 mail} gives
 * {@code imaps} on 9993. A host named by several records gets them all. A host no record names
 * gets {@code mailca.dane.default-services}.
 *
 * <ul>
 * <li>One port runs one service: an SRV record giving a port another record already gave to
 * another service (an MX's 25, say) is logged and ignored; MX records count first.
 * <li>A failed lookup withdraws nothing: a service MailCA publishes for the host stays while
 * the lookup that would confirm or drop it fails, and when nothing is published yet and the
 * lookups fail, the job fails and is retried with backoff rather than guessing.
 * </ul>
 */
@ApplicationScoped
public class HostServices {
    private static final Logger LOG = Logger.getLogger(HostServices.class);
    /** Services in {@link MailService} order, then by port: a stable order for owners. */
    private static final Comparator<ServicePort> ORDER = Comparator
            .comparing(ServicePort::service).thenComparingInt(ServicePort::port);

    private final DnsClient dns;
    private final DaneSettings settings;
    private final DaneRows rows;
    private final List<String> domains;

    HostServices(DnsClient dns, DaneSettings settings, DaneRows rows,
            @ConfigProperty(name = "mailca.domains") List<String> domains) {
        this.dns = dns;
        this.settings = settings;
        this.rows = rows;
        this.domains = domains;
    }

    /** The services of a host and why, for the log. */
    public record Derivation(List<ServicePort> services, List<String> notes) {

        public Derivation {
            services = List.copyOf(services);
            notes = List.copyOf(notes);
        }
    }

    /**
     * A service MailCA publishes TLSA for: its owner name and the service recorded with it
     * ({@code imaps}), null in records from before services were recorded.
     */
    record Published(String owner, String service) {
    }

    /**
     * Refuses to start with a configured service that is unknown or at a bad port, or with a
     * selector, matching type or TTL that MailCA does not publish.
     */
    void check(@Observes StartupEvent event) {
        HostProfile.parse(settings.defaultServices(), "mailca.dane.default-services");
        settings.hosts().forEach((host, own) -> own.services().ifPresent(names ->
                HostProfile.parse(names, "mailca.dane.hosts.\"" + host + "\".services")));
        settings.hosts().keySet().forEach(host -> HostProfile.of(host, settings, List.of()));
        HostProfile.checkTtl(settings.ttl(), "mailca.dane.ttl");
    }

    /** The mail domains whose records are read: {@code mailca.dane.mail-domains}. */
    public List<String> mailDomains() {
        return settings.mailDomains().filter(d -> !d.isEmpty()).orElse(domains);
    }

    /**
     * The profile of {@code host}, its services derived from DNS unless configured.
     *
     * @throws PublishException when the lookups failed and MailCA publishes nothing for the
     *     host yet, so its services are unknown; the job is retried
     */
    public HostProfile profile(String host) throws PublishException {
        if (HostProfile.configured(host, settings) || !settings.servicesFromDns()) {
            return HostProfile.of(host, settings);
        }
        var found = new MailServiceRecords(dns).lookUp(mailDomains(), true, true);
        var published = QuarkusTransaction.requiringNew().call(() -> rows.recordsOfHost(host)
                .stream().filter(r -> r.withdrawnAt == null)
                .map(r -> new Published(r.ownerName, r.service)).toList());
        var derivation = derive(host, found, servicesAt(host, published), defaults());
        derivation.notes().forEach(n -> LOG.debugf("%s: %s", host, n));
        return HostProfile.of(host, settings, derivation.services());
    }

    private List<ServicePort> defaults() {
        return HostProfile.parse(settings.defaultServices(), "mailca.dane.default-services");
    }

    /**
     * The services of {@code host} from the records found, the services whose TLSA MailCA
     * publishes now ({@code published}), and the default services.
     *
     * @throws PublishException when lookups failed, no record found names the host, and
     *     nothing is published for it
     */
    static Derivation derive(String host, Found found, Collection<ServicePort> published,
            List<ServicePort> defaults) throws PublishException {
        var services = new LinkedHashMap<Integer, ServicePort>();
        var notes = new ArrayList<String>();
        var named = found.naming(host);
        // MX first: an MX always means SMTP on 25, whatever an SRV record says of that port.
        var ordered = new ArrayList<Target>(named.stream()
                .filter(t -> t.service().equals(MailServiceRecords.SMTP)).toList());
        named.stream().filter(t -> !t.service().equals(MailServiceRecords.SMTP))
                .forEach(ordered::add);
        for (var target : ordered) {
            ServicePort offered;
            try {
                offered = new ServicePort(MailService.named(target.service()), target.port());
            } catch (IllegalArgumentException e) {
                LOG.warnf("%s names %s: %s; MailCA publishes no TLSA for it", target.record(),
                        host, e.getMessage());
                notes.add(target.record() + " ignored: " + e.getMessage());
                continue;
            }
            var taken = services.putIfAbsent(offered.port(), offered);
            if (taken == null) {
                notes.add(offered.name() + " on port " + offered.port() + " from "
                        + target.record());
            } else if (!taken.equals(offered)) {
                LOG.warnf("%s names %s with %s on port %d, where it runs %s: one port runs one"
                        + " service, MailCA publishes TLSA for %s there; configure"
                        + " mailca.dane.hosts.\"%s\".services to choose", target.record(),
                        host, offered.name(), offered.port(), taken.name(), taken.name(), host);
                notes.add(target.record() + " ignored: port " + offered.port() + " runs "
                        + taken.name());
            }
        }
        for (var service : published) {
            var failure = found.failures().get(service.name());
            if (failure != null && services.putIfAbsent(service.port(), service) == null) {
                notes.add(service.name() + " on port " + service.port()
                        + " kept, its lookup failed: " + failure);
            }
        }
        if (!services.isEmpty()) {
            return new Derivation(sorted(services.values()), notes);
        }
        if (found.failures().isEmpty()) {
            if (named.isEmpty()) {
                notes.add("no MX or SRV record names it: default services");
                return new Derivation(defaults, notes);
            }
            return new Derivation(List.of(), notes);
        }
        if (!published.isEmpty()) {
            // Whether a record would name the host is unknown: keep what is published.
            notes.add("lookups failed " + found.failures().keySet() + ": published services kept");
            return new Derivation(sorted(published), notes);
        }
        throw new PublishException("the services of " + host + " are unknown: looking up the"
                + " MX and SRV records of the mail domains failed ("
                + String.join("; ", found.failures().values()) + ")");
    }

    /**
     * The services MailCA publishes for {@code host}: the owner names {@code _PORT._tcp.HOST}
     * among {@code published}, each with its recorded service (or, for a record from before
     * services were recorded, the service whose standard port it is).
     */
    static List<ServicePort> servicesAt(String host, Collection<Published> published) {
        var services = new LinkedHashMap<Integer, ServicePort>();
        for (var p : published) {
            var port = port(p.owner());
            if (port.isEmpty() || !p.owner().equals("_" + port.get() + "._tcp." + host)) {
                continue;
            }
            var service = serviceName(p.service(), port.get());
            if (service != null) {
                services.putIfAbsent(port.get(),
                        new ServicePort(MailService.named(service), port.get()));
            }
        }
        return sorted(services.values());
    }

    /**
     * The name of the service at {@code port}: {@code recorded}, or for a row from before
     * services were recorded the service whose standard port it is; null when neither says.
     */
    static String serviceName(String recorded, int port) {
        return recorded != null ? recorded : standardOn(port)
                .map(s -> ServicePort.of(s).name()).orElse(null);
    }

    private static Optional<MailService> standardOn(int port) {
        for (var service : MailService.values()) {
            if (service.port() == port) {
                return Optional.of(service);
            }
        }
        return Optional.empty();
    }

    private static List<ServicePort> sorted(Collection<ServicePort> services) {
        return services.stream().distinct().sorted(ORDER).toList();
    }

    /**
     * The wildcard name that would cover {@code host} by RFC 6125 §6.4.3, the {@code *} as the
     * whole left-most label and matching exactly one label: {@code *.pool.example.com} for
     * {@code mx7.pool.example.com}; none for a name of one label or a wildcard itself.
     */
    static Optional<String> wildcardOver(String host) {
        var dot = host.indexOf('.');
        if (host.startsWith("*.") || dot < 1 || dot == host.length() - 1) {
            return Optional.empty();
        }
        return Optional.of("*" + host.substring(dot).toLowerCase(Locale.ROOT));
    }

    /** Whether the certificate name {@code wildcard} covers {@code host} (RFC 6125 §6.4.3). */
    static boolean covers(String wildcard, String host) {
        return wildcardOver(host).filter(w -> w.equals(wildcard.toLowerCase(Locale.ROOT)))
                .isPresent();
    }

    /**
     * The mail hosts a wildcard certificate name covers, hence the hosts that may present it:
     * the configured ones ({@code mailca.dane.hosts."H"}) and the MX exchanges and SRV targets
     * of the mail domains, whose name {@code wildcard} matches (RFC 6125 §6.4.3). A client
     * looks up TLSA at the name it connects to (RFC 7672 §2.2), never at the wildcard.
     *
     * @param failures the lookups that failed, by service: hosts they would name are missing
     */
    public record Coverage(List<String> hosts, Map<String, String> failures) {

        public Coverage {
            hosts = List.copyOf(hosts);
            failures = Map.copyOf(failures);
        }
    }

    /** The hosts {@code wildcard} covers now ({@link Coverage}). */
    public Coverage coveredBy(String wildcard) {
        var hosts = new TreeSet<String>();
        settings.hosts().keySet().stream().map(h -> h.toLowerCase(Locale.ROOT))
                .filter(h -> covers(wildcard, h)).forEach(hosts::add);
        var found = new MailServiceRecords(dns).lookUp(mailDomains(), true, true);
        found.targets().stream().map(Target::host).filter(h -> covers(wildcard, h))
                .forEach(hosts::add);
        return new Coverage(List.copyOf(hosts), found.failures());
    }

    /**
     * Whether a wildcard certificate counts as one of {@code host}: it is configured, or an MX
     * or SRV record of the mail domains names it. Empty when the lookups failed and no record
     * found names it, so it is unknown (a failed lookup must withdraw nothing).
     */
    public Optional<Boolean> isMailHost(String host) {
        if (settings.hosts().containsKey(host)) {
            return Optional.of(true);
        }
        var found = new MailServiceRecords(dns).lookUp(mailDomains(), true, true);
        if (!found.naming(host).isEmpty()) {
            return Optional.of(true);
        }
        return found.failures().isEmpty() ? Optional.of(false) : Optional.empty();
    }

    /** The port of an owner name {@code _PORT._tcp.HOST}, if it has that form. */
    static Optional<Integer> port(String owner) {
        var end = owner.indexOf("._tcp.");
        if (!owner.startsWith("_") || end < 2) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(owner.substring(1, end)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
