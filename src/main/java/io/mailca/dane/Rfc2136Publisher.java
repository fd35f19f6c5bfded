package io.mailca.dane;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

/**
 * Publishes through RFC 2136 dynamic update, signed with TSIG (RFC 8945), over TCP, to the
 * zone's primary server (BIND, Knot, PowerDNS). One update per owner name:
 *
 * <ol>
 * <li>reads the TLSA RRset the primary serves at the owner;
 * <li>sends nothing when MailCA's records there are already the desired ones (key reuse);
 * <li>otherwise sends a prerequisite that the RRset is still exactly what was read (RFC 2136
 * §2.4.2, or §2.4.3 "does not exist"), so a concurrent change fails the update instead of being
 * overwritten, then deletes MailCA's outdated records one by one (§2.5.4) and adds the new
 * ones (§2.5.1). Records of others are neither deleted nor re-added.
 * </ol>
 *
 * <p>Where others hold records at the owner, the RRset keeps its TTL (one TTL per RRset, RFC
 * 2181 §5.2) and a differing setting is logged as a warning.
 *
 * <p>This is the one class outside {@code io.mailca.dns} that talks DNS itself (LayersTest
 * allows it): sending updates is publishing, and the read that sets the update's prerequisite
 * goes to the same primary over the same TSIG-signed TCP, as part of the update.
 */
public class Rfc2136Publisher implements TlsaPublisher {
    private static final Logger LOG = Logger.getLogger(Rfc2136Publisher.class);

    private final Name zone;
    private final InetSocketAddress server;
    private final TSIG tsig;
    private final Duration timeout;
    private final AtomicLong updatesSent = new AtomicLong();

    /** A publisher for {@code zone} from its settings; reads the secret file if one is named. */
    public static Rfc2136Publisher of(String zone, DaneSettings.Zone settings, Duration timeout) {
        var server = settings.server().orElseThrow(() -> new IllegalArgumentException(
                "mailca.dane.zones.\"" + zone + "\".server is not set"));
        var keyName = settings.tsigKeyName().orElseThrow(() -> new IllegalArgumentException(
                "mailca.dane.zones.\"" + zone + "\".tsig-key-name is not set"));
        var secret = settings.tsigSecret().filter(s -> !s.isBlank())
                .or(() -> settings.tsigSecretFile().map(Rfc2136Publisher::readSecret))
                .orElseThrow(() -> new IllegalArgumentException("zone " + zone
                        + " needs tsig-secret or tsig-secret-file"));
        return new Rfc2136Publisher(zone, address(server, 53), keyName,
                settings.tsigAlgorithm(), secret, timeout);
    }

    public Rfc2136Publisher(String zone, InetSocketAddress server, String keyName,
            String algorithm, String base64Secret, Duration timeout) {
        this.zone = name(zone);
        this.server = server;
        this.tsig = new TSIG(name(algorithm.toLowerCase(Locale.ROOT)), keyName, base64Secret);
        this.timeout = timeout;
    }

    /** Updates sent since start (not counting the ones found unnecessary). */
    public long updatesSent() {
        return updatesSent.get();
    }

    @Override
    public Change publish(String owner, List<TlsaRecord> desired, Set<TlsaRecord> owned,
            int ttl) throws PublishException {
        var ownerName = name(owner);

        // 1. What the primary serves now.
        var served = served(ownerName);
        var servedRecords = new LinkedHashSet<TlsaRecord>();
        var servedTtl = -1L;
        for (var r : served) {
            servedRecords.add(tlsa(r));
            servedTtl = r.getTTL();
        }

        // 2. The difference, touching MailCA's records only.
        var want = new LinkedHashSet<>(desired);
        var toAdd = new ArrayList<TlsaRecord>();
        for (var r : want) {
            if (!servedRecords.contains(r)) {
                toAdd.add(r);
            }
        }
        var toRemove = new ArrayList<TlsaRecord>();
        for (var r : servedRecords) {
            if (owned.contains(r) && !want.contains(r)) {
                toRemove.add(r);
            }
        }
        var others = servedRecords.stream()
                .filter(r -> !owned.contains(r) && !want.contains(r)).toList();
        var useTtl = ttl;
        if (!others.isEmpty() && servedTtl >= 0) {
            useTtl = (int) servedTtl;
            if (servedTtl != ttl) {
                LOG.warnf("%s holds TLSA records MailCA did not publish, with TTL %d; MailCA"
                        + " keeps that TTL instead of its setting %d (RFC 2181 §5.2)", owner,
                        servedTtl, ttl);
            }
        }
        if (toAdd.isEmpty() && toRemove.isEmpty()) {
            LOG.debugf("%s already holds the desired TLSA records; no update", owner);
            return new Change(false, List.of(), List.of(), (int) Math.max(servedTtl, useTtl));
        }

        // 3. One update: prerequisite on what was read, deletions, additions.
        var update = new Update(zone);
        if (served.isEmpty()) {
            update.absent(ownerName, Type.TLSA);
        } else {
            for (var r : servedRecords) {
                update.present(record(ownerName, r, 0));
            }
        }
        for (var r : toRemove) {
            update.delete(record(ownerName, r, 0));
        }
        for (var r : toAdd) {
            update.add(record(ownerName, r, useTtl));
        }
        var response = send(update, "update of " + owner);
        if (response.getRcode() != Rcode.NOERROR) {
            throw new PublishException("the server refused the TLSA update of " + owner + ": "
                    + Rcode.string(response.getRcode())
                    + (response.getRcode() == Rcode.NXRRSET || response.getRcode()
                            == Rcode.YXRRSET ? " (changed concurrently; retried)" : ""));
        }
        updatesSent.incrementAndGet();
        return new Change(true, List.copyOf(toAdd), List.copyOf(toRemove), useTtl);
    }

    /** The TLSA records the primary serves at {@code owner}. */
    List<Record> served(Name owner) throws PublishException {
        var query = Message.newQuery(Record.newRecord(owner, Type.TLSA, DClass.IN));
        var response = send(query, "query of " + owner);
        var rcode = response.getRcode();
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            throw new PublishException("the primary answered " + Rcode.string(rcode)
                    + " for TLSA " + owner);
        }
        return response.getSection(Section.ANSWER).stream()
                .filter(r -> r.getType() == Type.TLSA && r.getName().equals(owner)).toList();
    }

    private Message send(Message message, String what) throws PublishException {
        var resolver = new SimpleResolver(server);
        resolver.setTCP(true);
        resolver.setTimeout(timeout);
        resolver.setTSIGKey(tsig);
        try {
            var response = resolver.send(message);
            // dnsjava checks the answer's TSIG but only logs a failure, and its isSigned() is
            // true for a MAC that did not verify: an answer counts only when verified. One
            // without a TSIG is discarded (RFC 8945 §5.4); a key error comes unsigned (§5.3.2).
            if (!response.isVerified()) {
                var signature = response.getTSIG();
                if (signature == null) {
                    throw new PublishException("the answer to the " + what + " from " + server
                            + " carries no TSIG; discarded (RFC 8945 §5.4)");
                }
                if (signature.getError() != Rcode.NOERROR) {
                    throw new PublishException("the server refused the TSIG of the " + what
                            + ": " + Rcode.TSIGstring(signature.getError()) + " (check the key"
                            + " name, algorithm and secret, and the server's clock)");
                }
                throw new PublishException("the TSIG of the answer to the " + what + " from "
                        + server + " does not verify; discarded (RFC 8945 §5.4)");
            }
            return response;
        } catch (IOException e) {
            throw new PublishException("the " + what + " to " + server + " failed: "
                    + e.getMessage(), e);
        }
    }

    static TlsaRecord tlsa(Record r) {
        var t = (TLSARecord) r;
        return new TlsaRecord(t.getCertificateUsage(), t.getSelector(), t.getMatchingType(),
                java.util.HexFormat.of().formatHex(t.getCertificateAssociationData()));
    }

    static TLSARecord record(Name owner, TlsaRecord r, long ttl) {
        return new TLSARecord(owner, DClass.IN, ttl, r.usage(), r.selector(), r.matchingType(),
                r.bytes());
    }

    static Name name(String text) {
        try {
            return Name.fromString(text, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a domain name: " + text, e);
        }
    }

    static InetSocketAddress address(String text, int defaultPort) {
        var s = text.trim();
        if (s.startsWith("[")) {
            var end = s.indexOf(']');
            var port = s.length() > end + 1 ? Integer.parseInt(s.substring(end + 2)) : defaultPort;
            return new InetSocketAddress(s.substring(1, end), port);
        }
        var colon = s.indexOf(':');
        if (colon >= 0 && colon == s.lastIndexOf(':')) {
            return new InetSocketAddress(s.substring(0, colon),
                    Integer.parseInt(s.substring(colon + 1)));
        }
        return new InetSocketAddress(s, defaultPort);
    }

    private static String readSecret(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            // The path is configuration, not a secret; the content never appears here.
            throw new IllegalArgumentException("cannot read the TSIG secret file " + file, e);
        }
    }
}
