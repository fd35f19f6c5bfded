package io.mailca.dns;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Type;

/**
 * The records that name the mail servers of mail domains: MX exchanges (RFC 5321 §5.1) and the
 * targets of the mail-service SRV records, submission of RFC 6186 §3.1 and RFC 8314 §5.1, IMAP
 * and POP3 of RFC 6186 §3.2 and RFC 8314 §5.2. An SRV target of "." says the service is not
 * offered (RFC 2782) and names nobody. {@code policy} reads them as evidence that a name is a
 * mail host, {@code dane} as the services (hence TLSA owner names) a host runs; both read them
 * here, so the two cannot drift apart.
 */
public final class MailServiceRecords {
    /** The service an MX record names: SMTP (RFC 5321 §5.1) on port 25. */
    public static final String SMTP = "smtp";

    /** The SRV services of RFC 6186 and RFC 8314, in the order they are reported. */
    public static final List<String> SRV_SERVICES = List.of("submission", "submissions",
            "imap", "imaps", "pop3", "pop3s");

    /**
     * One record naming a host as a mail server.
     *
     * @param host the exchange or SRV target, lower case, without the trailing dot
     * @param service {@link #SMTP} for an MX, else the SRV service label without underscore
     * @param port 25 for an MX, else the SRV record's port
     * @param record the record, for a person: {@code MX of example.com} or
     *     {@code SRV _imaps._tcp.example.com}
     */
    public record Target(String host, String service, int port, String record) {
    }

    /**
     * What the lookups found.
     *
     * @param targets every record naming a host, per domain: MX first, then SRV in
     *     {@link #SRV_SERVICES} order
     * @param failures per service whose lookup failed for at least one domain ({@link #SMTP}
     *     for MX), the first failure's message; a service listed here may lack targets
     */
    public record Found(List<Target> targets, Map<String, String> failures) {

        public Found {
            targets = List.copyOf(targets);
            failures = Map.copyOf(failures);
        }

        /** The records that name {@code host} (compared without case and trailing dot). */
        public List<Target> naming(String host) {
            var name = bare(host);
            return targets.stream().filter(t -> t.host().equals(name)).toList();
        }
    }

    private final DnsClient dns;

    public MailServiceRecords(DnsClient dns) {
        this.dns = dns;
    }

    /**
     * Looks up the MX records (when {@code mx}) and the mail-service SRV records (when
     * {@code srv}) of every domain. A failed lookup is reported in {@link Found#failures()},
     * never thrown: the other answers still count.
     */
    public Found lookUp(List<String> domains, boolean mx, boolean srv) {
        var targets = new ArrayList<Target>();
        var failures = new LinkedHashMap<String, String>();
        for (var domain : domains) {
            var bareDomain = bare(domain);
            if (mx) {
                try {
                    for (var r : dns.lookup(bareDomain, Type.MX).records(MXRecord.class)) {
                        targets.add(new Target(host(r.getTarget()), SMTP, 25,
                                "MX of " + bareDomain));
                    }
                } catch (DnsException e) {
                    failures.putIfAbsent(SMTP, e.getMessage());
                }
            }
            if (!srv) {
                continue;
            }
            for (var service : SRV_SERVICES) {
                var owner = "_" + service + "._tcp." + bareDomain;
                try {
                    for (var r : dns.lookup(owner, Type.SRV).records(SRVRecord.class)) {
                        var target = host(r.getTarget());
                        if (!target.isEmpty()) {
                            targets.add(new Target(target, service, r.getPort(),
                                    "SRV " + owner));
                        }
                    }
                } catch (DnsException e) {
                    failures.putIfAbsent(service, e.getMessage());
                }
            }
        }
        return new Found(targets, failures);
    }

    private static String host(Name name) {
        return bare(name.toString(true));
    }

    private static String bare(String name) {
        var lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
