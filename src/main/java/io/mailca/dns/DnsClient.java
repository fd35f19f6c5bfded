package io.mailca.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.hosts.HostsFileParser;

/**
 * The one DNS client of MailCA. Every lookup asks one configured recursive resolver (or the
 * system's, from {@code /etc/resolv.conf}), follows CNAME chains itself (RFC 1034 §3.6.2, bounded
 * and loop-safe, so that an authoritative server that stops at a zone edge works too), and
 * reports whether the answer was DNSSEC-validated by the resolver (the AD bit, RFC 6840 §5.7).
 *
 * <p>Configuration:
 * <ul>
 * <li>{@code mailca.dns.resolver}: {@code host}, {@code host:port}, {@code [v6]:port}; default
 * the system's resolvers.
 * <li>{@code mailca.dns.timeout}: time allowed for each query message, default {@code 5s}.
 * </ul>
 *
 * <p>Besides lookups through the resolver, it asks one authoritative server directly
 * ({@link #askAuthoritative}), and makes DNSSEC validators ({@link #inProcessValidator},
 * {@link DnssecValidator}), so that no other package builds a resolver of its own.
 *
 * <p>Answers with the TC bit are asked again over TCP (RFC 7766 §5), which dnsjava's resolver
 * does by itself. Nothing is cached here: the resolver caches, and a validator must see a record
 * as soon as the applicant has published it.
 */
@ApplicationScoped
public class DnsClient {

    /** Most CNAMEs one lookup follows; RFC 1034 gives no number, resolvers use about 8 to 16. */
    public static final int MAX_CNAMES = 10;

    private static final Logger LOG = Logger.getLogger(DnsClient.class);
    private static final int DEFAULT_PORT = 53;

    private final Resolver resolver;
    private final Optional<String> resolverAddress;
    private final Duration timeout;
    private final HostsFileParser hosts;

    /**
     * For CDI; see the class comment for the keys.
     *
     * @param resolver resolver address, or empty for the system's resolvers
     * @param timeout time allowed for each query message
     */
    public DnsClient(Optional<String> resolver, Duration timeout) {
        this(resolver, timeout, Optional.empty());
    }

    /**
     * @param hostsFile a hosts file consulted before DNS for host addresses, as the system
     *     resolver does ({@code files dns}); empty for DNS alone
     */
    @Inject
    public DnsClient(@ConfigProperty(name = "mailca.dns.resolver") Optional<String> resolver,
            @ConfigProperty(name = "mailca.dns.timeout", defaultValue = "5s") Duration timeout,
            @ConfigProperty(name = "mailca.dns.hosts-file") Optional<String> hostsFile) {
        this.resolverAddress = resolver.filter(s -> !s.isBlank());
        this.resolver = resolverAddress.map(DnsClient::resolverAt)
                .orElseGet(ExtendedResolver::new);
        this.timeout = timeout;
        this.resolver.setTimeout(timeout);
        this.hosts = hostsFile.filter(f -> !f.isBlank())
                .map(f -> new HostsFileParser(Path.of(f))).orElse(null);
    }

    /**
     * A client of the resolver at {@code address} ({@code host}, {@code host:port} or
     * {@code [v6]:port}), for use without CDI, as in tests.
     */
    public DnsClient(String address, Duration timeout) {
        this(Optional.of(address), timeout);
    }

    /**
     * The TXT records at {@code name}, after any CNAMEs. Each element is one record, its
     * character-strings joined without separator (the way RFC 7208 §3.3 reads a long SPF record,
     * and the way ACME servers read a dns-01 record).
     *
     * @return the records; empty when the name exists but has no TXT record
     * @throws DnsException for NXDOMAIN and any failure to get an answer
     */
    public List<String> txt(String name) throws DnsException {
        var answer = lookup(name, Type.TXT);
        if (answer.nxdomain()) {
            throw DnsException.forRcode(Rcode.NXDOMAIN, answer.name(), Type.TXT);
        }
        return answer.records(TXTRecord.class).stream()
                .map(txt -> String.join("", txt.getStrings()))
                .toList();
    }

    /**
     * The IPv6 and IPv4 addresses of {@code host}, after any CNAMEs, IPv6 first (the order in which
     * RFC 8305 §4 and ACME validators try them).
     *
     * @return the addresses; empty when the host exists but has neither AAAA nor A records
     * @throws DnsException for NXDOMAIN, for any failure of the A query, and for a failed AAAA
     *     query when there is no A record
     */
    public List<InetAddress> addresses(String host) throws DnsException {
        var fromFile = fromHostsFile(host);
        if (!fromFile.isEmpty()) {
            return fromFile;
        }
        DnsAnswer aaaa = null;
        DnsException aaaaFailure = null;
        try {
            aaaa = lookup(host, Type.AAAA);
        } catch (DnsException e) {
            // Some nameservers still fail AAAA queries; IPv4 alone is then enough.
            aaaaFailure = e;
        }
        if (aaaa != null && aaaa.nxdomain()) {
            throw DnsException.forRcode(Rcode.NXDOMAIN, aaaa.name(), Type.A);
        }
        var a = lookup(host, Type.A);
        if (a.records().isEmpty() && aaaaFailure != null) {
            throw aaaaFailure;
        }
        var result = new ArrayList<InetAddress>();
        if (aaaa != null) {
            aaaa.records(AAAARecord.class).forEach(r -> result.add(r.getAddress()));
        }
        a.records(ARecord.class).forEach(r -> result.add(r.getAddress()));
        return List.copyOf(result);
    }

    private List<InetAddress> fromHostsFile(String host) {
        if (hosts == null) {
            return List.of();
        }
        try {
            var name = Name.fromString(host.endsWith(".") ? host : host + ".");
            var result = new ArrayList<InetAddress>();
            hosts.getAddressForHost(name, Type.AAAA).ifPresent(result::add);
            hosts.getAddressForHost(name, Type.A).ifPresent(result::add);
            return result;
        } catch (IOException | RuntimeException e) {
            LOG.debugf("hosts file not usable for %s: %s", host, e.getMessage());
            return List.of();
        }
    }

    /**
     * Looks up records of one type, following CNAMEs (unless {@code type} is CNAME). NXDOMAIN and
     * NODATA are answers, not failures: a CAA search (RFC 8659 §3) or a DANE check needs them.
     *
     * @param name a domain name, relative names are taken as absolute
     * @param type a {@link Type} constant, such as {@code Type.TLSA}
     * @throws DnsException for SERVFAIL and other error RCODEs, timeouts, network errors, CNAME
     *     loops and chains longer than {@link #MAX_CNAMES}
     */
    public DnsAnswer lookup(String name, int type) throws DnsException {
        var origin = parse(name, type);
        var shown = display(origin);
        var visited = new HashSet<Name>();
        visited.add(origin);
        var cnames = new ArrayList<String>();
        var authenticated = true;

        var current = origin;
        while (true) {
            var response = send(current, type, shown);
            authenticated &= response.getHeader().getFlag(Flags.AD);
            var rcode = response.getRcode();
            if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
                throw DnsException.forRcode(rcode, shown, type);
            }

            // A recursive resolver puts the whole chain in one answer; an authoritative server
            // only the part inside its zones. Walk what is there, then ask for the rest.
            var owner = current;
            var answers = response.getSection(Section.ANSWER);
            while (true) {
                var here = owner;
                var matching = answers.stream()
                        .filter(r -> r.getType() == type && r.getName().equals(here))
                        .toList();
                if (!matching.isEmpty()) {
                    return new DnsAnswer(shown, type, rcode, authenticated, matching, cnames);
                }
                var cname = answers.stream()
                        .filter(r -> r instanceof CNAMERecord && r.getName().equals(here))
                        .map(r -> ((CNAMERecord) r).getTarget())
                        .findFirst();
                if (cname.isEmpty() || type == Type.CNAME) {
                    break;
                }
                owner = cname.get();
                if (!visited.add(owner)) {
                    throw DnsException.cnameLoop(shown, type, display(owner));
                }
                cnames.add(display(owner));
                if (cnames.size() > MAX_CNAMES) {
                    throw DnsException.cnameChainTooLong(shown, type);
                }
            }

            if (owner.equals(current) || rcode == Rcode.NXDOMAIN) {
                return new DnsAnswer(shown, type, rcode, authenticated, List.of(), cnames);
            }
            current = owner;
        }
    }

    /**
     * Asks one authoritative server, without recursion (RD clear, RFC 1035 §4.1.1), for the
     * {@code type} records at {@code name}: what that server itself serves, so that a secondary
     * that lags behind its primary shows. No CNAME is followed and nothing is validated.
     *
     * @param server the server's address and port
     * @param timeout time allowed for the query
     * @return the answer; {@code authenticated} is always false
     * @throws DnsException for error RCODEs (such as REFUSED from a server that does not serve the
     *     zone), timeouts and network errors
     */
    public DnsAnswer askAuthoritative(InetSocketAddress server, String name, int type,
            Duration timeout) throws DnsException {
        var owner = parse(name, type);
        var shown = display(owner);
        var query = Message.newQuery(Record.newRecord(owner, type, DClass.IN));
        query.getHeader().unsetFlag(Flags.RD);
        var direct = new SimpleResolver(server);
        direct.setTimeout(timeout);
        LOG.debugf("DNS query %s %s to %s", shown, Type.string(type), server);
        var response = await(direct.sendAsync(query).toCompletableFuture(), timeout, shown,
                type);
        var rcode = response.getRcode();
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            throw DnsException.forRcode(rcode, shown, type);
        }
        var records = response.getSection(Section.ANSWER).stream()
                .filter(r -> r.getType() == type && r.getName().equals(owner)).toList();
        return new DnsAnswer(shown, type, rcode, false, records, List.of());
    }

    /**
     * A validator that checks DNSSEC itself (RFC 4035 §5) and asks {@code upstream} for the
     * records, or, when that is empty, this client's resolver ({@code mailca.dns.resolver} or the
     * system's). See {@link DnssecValidator#inProcess}.
     */
    public DnssecValidator inProcessValidator(Optional<String> upstream, Duration timeout,
            boolean rootAnchors, Optional<Path> anchorFile) {
        return DnssecValidator.inProcess(upstream.filter(s -> !s.isBlank()).or(() ->
                resolverAddress), timeout, rootAnchors, anchorFile);
    }

    private Message send(Name name, int type, String shown) throws DnsException {
        var query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        // AD in a query asks a validating resolver to report DNSSEC status (RFC 6840 §5.7)
        // without the size of DO answers.
        query.getHeader().setFlag(Flags.AD);
        LOG.debugf("DNS query %s %s", display(name), Type.string(type));
        return await(resolver.sendAsync(query).toCompletableFuture(), timeout, shown, type);
    }

    /**
     * Waits for a response; the resolver has its own timeout per message, and this bounds one
     * that retries on its own.
     */
    static Message await(java.util.concurrent.CompletableFuture<Message> future,
            Duration timeout, String shown, int type) throws DnsException {
        try {
            return future.get(timeout.toMillis() + 250, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw DnsException.timeout(shown, type, e);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw DnsException.timeout(shown, type, e);
        } catch (ExecutionException | CompletionException e) {
            var cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof SocketTimeoutException || cause instanceof TimeoutException) {
                throw DnsException.timeout(shown, type, cause);
            }
            LOG.debugf("DNS query %s %s failed: %s", shown, Type.string(type), cause);
            throw DnsException.network(shown, type, cause);
        }
    }

    static Name parse(String name, int type) throws DnsException {
        try {
            return Name.fromString(name, Name.root);
        } catch (TextParseException e) {
            throw DnsException.invalidName(name, type, e);
        }
    }

    /** The name as clients wrote it: lower case, no trailing dot. */
    static String display(Name name) {
        return name.toString(true).toLowerCase(Locale.ROOT);
    }

    static Resolver resolverAt(String address) {
        String host;
        var port = DEFAULT_PORT;
        var s = address.trim();
        if (s.startsWith("[")) {
            var end = s.indexOf(']');
            host = s.substring(1, end);
            if (s.length() > end + 1) {
                port = Integer.parseInt(s.substring(end + 2));
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = Integer.parseInt(s.substring(s.indexOf(':') + 1));
        } else {
            host = s;
        }
        // The resolver's own address comes from configuration, usually an IP literal; a name here
        // is resolved once, at start, by the JVM.
        return new SimpleResolver(new InetSocketAddress(host, port));
    }
}
