package io.mailca.dane;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The TLSA RRset MailCA wants at each owner name of a host, following DESIGN.md's DANE rules:
 * {@code 3 1 1} of each leaf key the host serves or is about to serve, plus {@code 2 1 1} of
 * the issuing CA key (RFC 7671 §8, RFC 7672 §3.1). A pure function of the host's certificates,
 * what the probe saw, when records were first published, and the time.
 *
 * <ul>
 * <li>The newest key of each key algorithm (a host may serve RSA and ECDSA side by side) is
 * always published: it is about to be served.
 * <li>An older key stays until the probe has seen the newest key of its algorithm on every
 * port of the host and at least twice the TTL has passed since that newest key's record was
 * first published (RFC 7671 §8.1), so resolvers' caches hold the new record before the old
 * one goes. Expiry alone removes nothing: DANE-EE ignores validity dates (RFC 7671 §5.1).
 * <li>A key revoked for keyCompromise (CRLReason 1, RFC 5280 §5.3.1) loses its record at once,
 * and while that certificate has not expired the host gets no DANE-TA record, because DANE
 * clients check no CRL or OCSP and {@code 2 1 1} would still vouch for it.
 * </ul>
 */
public final class DesiredRrset {
    /** CRLReason keyCompromise (RFC 5280 §5.3.1). */
    public static final int KEY_COMPROMISE = 1;

    private DesiredRrset() {
    }

    /**
     * A certificate MailCA issued for the host.
     *
     * @param leaf the certificate
     * @param issuer the CA certificate that signed it
     * @param spkiSha256 SHA-256 of the leaf's SubjectPublicKeyInfo, hex
     * @param issuedAt when MailCA issued it
     * @param revocationReason the CRLReason when revoked, else null
     */
    public record Issued(X509Certificate leaf, X509Certificate issuer, String spkiSha256,
            Instant issuedAt, Integer revocationReason) {

        boolean compromised() {
            return revocationReason != null && revocationReason == KEY_COMPROMISE;
        }
    }

    /** The probe saw the key {@code spkiSha256} served on {@code port}. */
    public record Seen(int port, String spkiSha256) {
    }

    /** A record and the key it stands for (leaf or CA), so that it can be withdrawn later. */
    public record Entry(TlsaRecord record, String spkiSha256, boolean leaf) {
    }

    /** The desired RRset and, for the log, why older keys were kept or dropped. */
    public record Result(List<Entry> entries, List<String> notes) {

        public List<TlsaRecord> records() {
            return entries.stream().map(Entry::record).toList();
        }
    }

    /**
     * The RRset for every owner name of {@code profile}'s host (the same at each port).
     *
     * @param certificates every certificate MailCA issued for the host
     * @param seen the key the probe saw served last on each port
     * @param firstPublished per leaf key (SPKI SHA-256), when its record first went out
     */
    public static Result compute(HostProfile profile, List<Issued> certificates,
            Set<Seen> seen, Map<String, Instant> firstPublished, Instant now) {
        var notes = new ArrayList<String>();
        var compromised = certificates.stream().filter(Issued::compromised)
                .map(Issued::spkiSha256).collect(java.util.stream.Collectors.toSet());

        // Newest certificate of each key, oldest key first; compromised keys are gone at once.
        var byKey = new LinkedHashMap<String, Issued>();
        certificates.stream().sorted(Comparator.comparing(Issued::issuedAt))
                .filter(c -> !compromised.contains(c.spkiSha256()))
                .forEach(c -> {
                    byKey.remove(c.spkiSha256());
                    byKey.put(c.spkiSha256(), c);
                });
        // The newest key of each algorithm counts even when it is compromised: the host
        // serves it until a replacement is deployed, so an older key it superseded stays
        // retired rather than coming back as "newest".
        var newestOfAlgorithm = new LinkedHashMap<String, Issued>();
        certificates.stream().sorted(Comparator.comparing(Issued::issuedAt))
                .forEach(c -> newestOfAlgorithm.put(algorithm(c), c));

        var leaves = new ArrayList<Issued>();
        for (var c : byKey.values()) {
            var newest = newestOfAlgorithm.get(algorithm(c));
            if (newest == c || !retireable(profile, newest, seen, firstPublished, now, notes,
                    c)) {
                leaves.add(c);
            }
        }

        var entries = new ArrayList<Entry>();
        for (var c : leaves) {
            entries.add(new Entry(TlsaRecord.of(TlsaRecord.DANE_EE, profile.leafSelector(),
                    profile.matchingType(), c.leaf()), c.spkiSha256(), true));
        }
        var vouchedCompromise = certificates.stream()
                .anyMatch(c -> c.compromised() && now.isBefore(c.leaf().getNotAfter().toInstant()));
        if (vouchedCompromise) {
            notes.add("no DANE-TA record while a certificate revoked for key compromise is"
                    + " unexpired");
        } else {
            for (var c : leaves) {
                var entry = new Entry(TlsaRecord.of(TlsaRecord.DANE_TA, profile.caSelector(),
                        profile.matchingType(), c.issuer()),
                        TlsaRecord.of(0, 1, 1, c.issuer()).data(), false);
                if (entries.stream().noneMatch(e -> e.record().equals(entry.record()))) {
                    entries.add(entry);
                }
            }
        }
        return new Result(List.copyOf(entries), List.copyOf(notes));
    }

    private static boolean retireable(HostProfile profile, Issued newest, Set<Seen> seen,
            Map<String, Instant> firstPublished, Instant now, List<String> notes, Issued old) {
        var unseen = profile.ports().stream()
                .filter(p -> !seen.contains(new Seen(p, newest.spkiSha256()))).toList();
        if (!unseen.isEmpty()) {
            notes.add("key " + old.spkiSha256() + " kept: the newer key is not yet served on"
                    + " ports " + unseen);
            return false;
        }
        var published = firstPublished.get(newest.spkiSha256());
        var wait = Duration.ofSeconds(2L * profile.ttl());
        if (published == null || now.isBefore(published.plus(wait))) {
            notes.add("key " + old.spkiSha256() + " kept: 2×TTL since the newer key's record"
                    + " was published has not passed");
            return false;
        }
        return true;
    }

    private static String algorithm(Issued c) {
        return c.leaf().getPublicKey().getAlgorithm();
    }
}
