package io.mailca.dane;

import io.mailca.dns.DnsClient;
import io.mailca.dns.MailServiceRecords;
import io.mailca.dns.MailServiceRecords.Found;
import io.mailca.store.DaneRows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Which services a mail host runs, hence its TLSA owner names {@code _PORT._tcp.HOST}
 * (RFC 6698 §3, RFC 7672 §2.2). The operator's {@code mailca.dane.hosts."H".services} win.
 * Without them, the records of the mail domains decide: an MX exchange gets {@code smtp}
 * (port 25, RFC 7672 §2.2), an SRV target of RFC 6186 / RFC 8314 gets its service
 * ({@code _imaps._tcp} gives {@code imaps}, port 993), a host named by both gets the union.
 * A host no record names gets {@code mailca.dane.default-services}.
 *
 * <ul>
 * <li>An SRV record with another port than the service's standard one gives nothing: MailCA
 * publishes TLSA at the standard ports only (docs/dane.md).
 * <li>A failed lookup withdraws nothing: a service MailCA publishes for the host stays while
 * the lookup that would confirm or drop it fails, and when nothing is published yet and the
 * lookups fail, the job fails and is retried with backoff rather than guessing.
 * </ul>
 */
@ApplicationScoped
public class HostServices {
    private static final Logger LOG = Logger.getLogger(HostServices.class);

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
    public record Derivation(List<MailService> services, List<String> notes) {

        public Derivation {
            services = List.copyOf(services);
            notes = List.copyOf(notes);
        }
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
                .stream().filter(r -> r.withdrawnAt == null).map(r -> r.ownerName).toList());
        var derivation = derive(host, found, servicesAt(host, published), defaults());
        derivation.notes().forEach(n -> LOG.debugf("%s: %s", host, n));
        return HostProfile.of(host, settings, derivation.services());
    }

    private List<MailService> defaults() {
        return settings.defaultServices().stream().map(MailService::named).toList();
    }

    /**
     * The services of {@code host} from the records found, the services whose TLSA MailCA
     * publishes now ({@code published}), and the default services.
     *
     * @throws PublishException when lookups failed, no record found names the host, and
     *     nothing is published for it
     */
    static Derivation derive(String host, Found found, Collection<MailService> published,
            List<MailService> defaults) throws PublishException {
        var services = EnumSet.noneOf(MailService.class);
        var notes = new ArrayList<String>();
        var named = found.naming(host);
        for (var target : named) {
            var service = MailService.named(target.service());
            if (target.port() == service.port()) {
                services.add(service);
                notes.add(service.name().toLowerCase(Locale.ROOT) + " from " + target.record());
            } else {
                // TODO(#4): TLSA at a non-standard SRV port (RFC 7673 §3) needs the probe and
                // the owner names to carry a port of their own.
                LOG.warnf("%s names %s with port %d, not %s's port %d: MailCA publishes no"
                        + " TLSA for it; configure mailca.dane.hosts.\"%s\".services to choose",
                        target.record(), host, target.port(), target.service(), service.port(),
                        host);
                notes.add(target.record() + " ignored: port " + target.port());
            }
        }
        for (var service : published) {
            var failure = found.failures().get(service.name().toLowerCase(Locale.ROOT));
            if (failure != null && services.add(service)) {
                notes.add(service.name().toLowerCase(Locale.ROOT) + " kept, its lookup failed: "
                        + failure);
            }
        }
        if (!services.isEmpty()) {
            return new Derivation(List.copyOf(services), notes);
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
            return new Derivation(List.copyOf(EnumSet.copyOf(published)), notes);
        }
        throw new PublishException("the services of " + host + " are unknown: looking up the"
                + " MX and SRV records of the mail domains failed ("
                + String.join("; ", found.failures().values()) + ")");
    }

    /** The services whose owner names {@code _PORT._tcp.HOST} are among {@code owners}. */
    static List<MailService> servicesAt(String host, Collection<String> owners) {
        var services = EnumSet.noneOf(MailService.class);
        for (var service : MailService.values()) {
            if (owners.contains(service.owner(host))) {
                services.add(service);
            }
        }
        return List.copyOf(services);
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
