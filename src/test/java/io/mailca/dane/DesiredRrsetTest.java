package io.mailca.dane;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.dane.DesiredRrset.Issued;
import io.mailca.dane.DesiredRrset.Seen;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DANE rules of DESIGN.md as table cases; every expected record is openssl's digest of the
 * certificate, computed independently of {@link TlsaRecord}.
 */
class DesiredRrsetTest {
    static final String HOST = "mx1.example.test";
    static final String EC = "-algorithm EC -pkeyopt ec_paramgen_curve:P-256";
    static final Instant T0 = Instant.now();

    @TempDir
    static Path dir;
    static Openssl openssl;
    static String caRecord;
    static String oldRecord;
    static String newRecord;
    static String rsaRecord;

    static final HostProfile SMTP = new HostProfile(HOST,
            List.of(ServicePort.of(MailService.SMTP)), 1, 1, 1, 3600);
    static final HostProfile TWO_PORTS = new HostProfile(HOST, List.of(
            ServicePort.of(MailService.SMTP), ServicePort.of(MailService.SUBMISSION)), 1, 1, 1,
            3600);
    /** SMTP and IMAPS where an SRV record puts it, port 9993 (RFC 7673 §3). */
    static final HostProfile SRV_PORT = new HostProfile(HOST, List.of(
            ServicePort.of(MailService.SMTP), new ServicePort(MailService.IMAPS, 9993)), 1, 1,
            1, 3600);

    @BeforeAll
    static void certificates() {
        openssl = new Openssl(dir);
        openssl.ca("ca");
        openssl.leaf("old", HOST, "ca", EC, 30);
        openssl.leaf("new", HOST, "ca", EC, 30);
        openssl.leaf("rsa", HOST, "ca", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048", 30);
        caRecord = "2 1 1 " + openssl.spkiDigest("ca", "sha256");
        oldRecord = "3 1 1 " + openssl.spkiDigest("old", "sha256");
        newRecord = "3 1 1 " + openssl.spkiDigest("new", "sha256");
        rsaRecord = "3 1 1 " + openssl.spkiDigest("rsa", "sha256");
    }

    static Issued issued(String name, Instant at, Integer reason) {
        return new Issued(openssl.read(name + ".pem"), openssl.read("ca.pem"),
                openssl.spkiDigest(name, "sha256"), at, reason);
    }

    static String spki(String name) {
        return openssl.spkiDigest(name, "sha256");
    }

    static List<String> rrset(HostProfile profile, List<Issued> certificates, Set<Seen> seen,
            Map<String, Instant> published, Instant now) {
        return DesiredRrset.compute(profile, certificates, seen, published, now).records()
                .stream().map(TlsaRecord::toString).toList();
    }

    @Test
    void ok_oneKeyGetsLeafAndCaRecords() {
        assertThat(rrset(SMTP, List.of(issued("old", T0, null)), Set.of(), Map.of(), T0))
                .containsExactly(oldRecord, caRecord);
    }

    @Test
    void ok_keyReuseLeavesTheRrsetUnchanged() {
        var before = rrset(SMTP, List.of(issued("old", T0, null)), Set.of(), Map.of(), T0);
        var after = rrset(SMTP, List.of(issued("old", T0, null),
                issued("old", T0.plusSeconds(60), null)), Set.of(), Map.of(), T0);
        assertThat(after).isEqualTo(before);
    }

    @Test
    void ok_rsaAndEcdsaKeysSideBySide() {
        assertThat(rrset(SMTP, List.of(issued("old", T0, null),
                issued("rsa", T0.plusSeconds(1), null)), Set.of(), Map.of(), T0))
                .containsExactly(oldRecord, rsaRecord, caRecord);
    }

    @Test
    void ok_supersededKeyStaysUntilNewKeySeenEverywhereAndTwoTtlsPassed() {
        var certs = List.of(issued("old", T0, null), issued("new", T0.plusSeconds(10), null));
        var published = Map.of(spki("new"), T0.plusSeconds(20));
        var both = List.of(oldRecord, newRecord, caRecord);

        // The host still serves the old key: nothing is withdrawn, however long it takes.
        assertThat(rrset(TWO_PORTS, certs, Set.of(new Seen(25, spki("old"))), published,
                T0.plus(Duration.ofDays(365)))).containsExactlyElementsOf(both);
        // Seen on one port of two.
        assertThat(rrset(TWO_PORTS, certs, Set.of(new Seen(25, spki("new"))), published,
                T0.plus(Duration.ofDays(1)))).containsExactlyElementsOf(both);

        var everywhere = Set.of(new Seen(25, spki("new")), new Seen(587, spki("new")));
        var twoTtl = T0.plusSeconds(20).plusSeconds(2 * 3600);
        assertThat(rrset(TWO_PORTS, certs, everywhere, published, twoTtl.minusSeconds(1)))
                .containsExactlyElementsOf(both);
        assertThat(rrset(TWO_PORTS, certs, everywhere, published, twoTtl))
                .containsExactly(newRecord, caRecord);
    }

    @Test
    void ok_supersededKeyWaitsForTheNewKeyOnTheSrvPortNotTheStandardOne() {
        var certs = List.of(issued("old", T0, null), issued("new", T0.plusSeconds(10), null));
        var published = Map.of(spki("new"), T0.plusSeconds(20));
        var later = T0.plus(Duration.ofDays(1));

        // Seen on 993 says nothing of 9993, where clients of this host connect.
        assertThat(rrset(SRV_PORT, certs, Set.of(new Seen(25, spki("new")),
                new Seen(993, spki("new"))), published, later))
                .containsExactly(oldRecord, newRecord, caRecord);
        assertThat(rrset(SRV_PORT, certs, Set.of(new Seen(25, spki("new")),
                new Seen(9993, spki("new"))), published, later))
                .containsExactly(newRecord, caRecord);
    }

    @Test
    void ok_expiryAloneRemovesNothing() {
        var afterExpiry = T0.plus(Duration.ofDays(400));
        assertThat(rrset(SMTP, List.of(issued("old", T0, null)), Set.of(), Map.of(),
                afterExpiry)).containsExactly(oldRecord, caRecord);
    }

    @Test
    void ok_keyCompromiseRemovesTheKeyAndTheCaRecordUntilExpiry() {
        var certs = List.of(issued("old", T0, null), issued("new", T0.plusSeconds(10), 1));
        assertThat(rrset(SMTP, certs, Set.of(), Map.of(), T0.plusSeconds(30)))
                .containsExactly(oldRecord);
        var expired = openssl.read("new.pem").getNotAfter().toInstant().plusSeconds(1);
        assertThat(rrset(SMTP, certs, Set.of(), Map.of(), expired))
                .containsExactly(oldRecord, caRecord);
    }

    @Test
    void ok_compromiseOfTheNewestKeyDoesNotBringBackARetiredOne() {
        // The old key's record went once the new key was served everywhere for 2×TTL; when
        // the new key is then compromised, the host serves it until a replacement is
        // deployed, and the old key, which nobody serves any more, must not return.
        var seen = Set.of(new Seen(25, spki("new")));
        var published = Map.of(spki("new"), T0.plusSeconds(10));
        var later = T0.plusSeconds(10 + 3 * 3600);
        var superseded = List.of(issued("old", T0, null), issued("new", T0.plusSeconds(10),
                null));
        assertThat(rrset(SMTP, superseded, seen, published, later))
                .containsExactly(newRecord, caRecord);

        var compromised = List.of(issued("old", T0, null), issued("new", T0.plusSeconds(10),
                1));
        assertThat(rrset(SMTP, compromised, seen, published, later)).isEmpty();
    }

    @Test
    void ok_otherRevocationReasonsFollowTheSupersededRule() {
        for (var reason : List.of(0, 3, 4, 5, 9)) {
            var certs = List.of(issued("old", T0, null), issued("new", T0.plusSeconds(10),
                    reason));
            assertThat(rrset(SMTP, certs, Set.of(), Map.of(), T0.plusSeconds(30)))
                    .as("reason %d", reason).containsExactly(oldRecord, newRecord, caRecord);
        }
    }

    @Test
    void ok_selectorZeroAndSha512() {
        var profile = new HostProfile(HOST, List.of(ServicePort.of(MailService.SMTP)), 0, 0,
                2, 300);
        assertThat(rrset(profile, List.of(issued("old", T0, null)), Set.of(), Map.of(), T0))
                .containsExactly("3 0 2 " + openssl.certDigest("old", "sha512"),
                        "2 0 2 " + openssl.certDigest("ca", "sha512"));
    }

    @Test
    void ok_ownersPerService() {
        var profile = new HostProfile(HOST, List.of(ServicePort.of(MailService.SMTP),
                ServicePort.of(MailService.SUBMISSIONS), ServicePort.of(MailService.IMAPS),
                ServicePort.of(MailService.POP3), new ServicePort(MailService.IMAPS, 9993)), 1,
                1, 1, 3600);
        assertThat(profile.owners()).containsExactly("_25._tcp.mx1.example.test",
                "_465._tcp.mx1.example.test", "_993._tcp.mx1.example.test",
                "_110._tcp.mx1.example.test", "_9993._tcp.mx1.example.test");
    }

    /** One probe row: {@code spki} null for an address that did not answer. */
    private static io.mailca.store.DaneProbe row(int port, String address, String spki,
            Instant at) {
        var row = new io.mailca.store.DaneProbe();
        row.host = HOST;
        row.port = port;
        row.address = address;
        row.spkiSha256 = spki;
        row.seenAt = at;
        return row;
    }

    @Test
    void aPortServesAKeyOnlyWhenEveryAddressThatAnsweredInTheNewestRoundServedIt() {
        var t1 = T0.plusSeconds(1);
        var t2 = T0.plusSeconds(2);
        // Both addresses renewed on 25; on 587 one address still serves the old key.
        assertThat(DaneWorker.servedNow(List.of(
                row(25, "127.0.0.41", "old", T0), row(25, "127.0.0.42", "old", T0),
                row(587, "127.0.0.41", "old", T0), row(587, "127.0.0.42", "old", T0),
                row(25, "127.0.0.41", "new", t1), row(25, "127.0.0.42", "new", t1),
                row(587, "127.0.0.41", "new", t1), row(587, "127.0.0.42", "old", t1))))
                .containsExactly(new Seen(25, "new"));
        // An address that did not answer counts for no key; the one that answered decides.
        assertThat(DaneWorker.servedNow(List.of(
                row(25, "127.0.0.41", "old", T0), row(25, "127.0.0.42", "old", T0),
                row(25, "127.0.0.41", "new", t1), row(25, "127.0.0.42", null, t1))))
                .containsExactly(new Seen(25, "new"));
        // A round in which no address answered leaves the round before, mixed or not.
        assertThat(DaneWorker.servedNow(List.of(
                row(25, "127.0.0.41", "new", t1), row(25, "127.0.0.42", "old", t1),
                row(25, "127.0.0.41", null, t2), row(25, "127.0.0.42", null, t2))))
                .isEmpty();
        // A rollback on one address after both were renewed: the new key is served no more.
        assertThat(DaneWorker.servedNow(List.of(
                row(25, "127.0.0.41", "new", t1), row(25, "127.0.0.42", "new", t1),
                row(25, "127.0.0.41", "new", t2), row(25, "127.0.0.42", "old", t2))))
                .isEmpty();
    }
}
