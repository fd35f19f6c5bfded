package io.mailca.dane;

import io.mailca.dns.DnsClient;
import io.mailca.dns.DnsException;
import io.mailca.store.DaneRows;
import io.mailca.store.DaneStatus;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jboss.logging.Logger;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Checks a publication the way the world sees it: asks every authoritative server of the zone
 * (its NS records, or the configured list) what it serves at the owner name, so a lagging
 * secondary shows, and asks a validating resolver whether the TLSA answer is secure (the AD
 * bit, RFC 4035 §3.2.3, RFC 6840 §5.7). RFC 6698 §4.1 clients ignore TLSA that is not secure,
 * so an insecure answer is a loud warning, never a success.
 */
@ApplicationScoped
public class TlsaVerifier {
    private static final Logger LOG = Logger.getLogger(TlsaVerifier.class);

    private final DnsClient dns;
    private final DaneRows rows;
    private final DaneSettings settings;

    TlsaVerifier(DnsClient dns, DaneRows rows, DaneSettings settings) {
        this.dns = dns;
        this.rows = rows;
        this.settings = settings;
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
        var secure = secure(owner);
        var detail = new StringBuilder();
        if (!secure) {
            detail.append("TLSA at ").append(owner).append(" is NOT DNSSEC-secure: sending MTAs"
                    + " ignore it (RFC 6698 §4.1, RFC 7672 §2.2); sign the zone and publish its"
                    + " DS in the parent");
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

    /** The AD bit of the validating resolver's TLSA answer. */
    boolean secure(String owner) {
        var resolver = settings.validatingResolver().filter(s -> !s.isBlank());
        try {
            if (resolver.isEmpty()) {
                return dns.lookup(owner, Type.TLSA).authenticated();
            }
            return authenticated(Rfc2136Publisher.address(resolver.get(), 53), owner,
                    settings.timeout());
        } catch (DnsException | IOException e) {
            LOG.warnf("could not ask the validating resolver about %s: %s", owner,
                    e.getMessage());
            return false;
        }
    }

    /**
     * True when the validating resolver at {@code resolver} answers the TLSA query for
     * {@code owner} with NOERROR and the AD bit (RFC 6840 §5.7: AD in the query asks for it).
     */
    public static boolean authenticated(InetSocketAddress resolver, String owner,
            java.time.Duration timeout) throws IOException {
        var query = Message.newQuery(Record.newRecord(Rfc2136Publisher.name(owner), Type.TLSA,
                DClass.IN));
        query.getHeader().setFlag(Flags.AD);
        var r = new SimpleResolver(resolver);
        r.setTimeout(timeout);
        var response = r.send(query);
        return response.getRcode() == Rcode.NOERROR && response.getHeader().getFlag(Flags.AD)
                && !response.getSection(Section.ANSWER).isEmpty();
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
            var r = new SimpleResolver(server);
            r.setTimeout(settings.timeout());
            var query = Message.newQuery(Record.newRecord(Rfc2136Publisher.name(owner),
                    Type.TLSA, DClass.IN));
            var response = r.send(query);
            var result = new ArrayList<String>();
            for (var record : response.getSection(Section.ANSWER)) {
                if (record.getType() == Type.TLSA) {
                    result.add(Rfc2136Publisher.tlsa(record).toString());
                }
            }
            result.sort(null);
            return result;
        } catch (IOException e) {
            return List.of("unreachable: " + e.getMessage());
        }
    }

    /**
     * The TLSA records at {@code owner} of each authoritative server of {@code zone} that
     * answered, for publishers that cannot read what their zone holds (the script publisher).
     */
    List<Set<TlsaRecord>> served(String zone, String owner) {
        return served(dns, authoritativeServers(zone), owner);
    }

    /** The TLSA records at {@code owner} of each of {@code servers} that answered. */
    static List<Set<TlsaRecord>> served(DnsClient dns, List<InetSocketAddress> servers,
            String owner) {
        var result = new ArrayList<Set<TlsaRecord>>();
        for (var server : servers) {
            try {
                var records = new HashSet<TlsaRecord>();
                dns.askAuthoritative(server, owner, Type.TLSA).records()
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
