package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.dane.DaneWorker;
import io.mailca.dane.ProbeRunner;
import io.mailca.dane.StartTlsSmtpServer;
import io.mailca.testsupport.AcmeTestServers;
import io.mailca.testsupport.KnotServer;
import io.mailca.testsupport.LoopbackAddress;
import io.mailca.testsupport.UnboundServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sending MTA's view of the TLSA records MailCA publishes (issue #4): Postfix's
 * {@code posttls-finger} in DANE mode ({@code -l dane}), resolving through a real validating
 * resolver (unbound, whose only trust anchor is the DS of the Knot-signed example.test),
 * connects to port 25 of the MX host's address and checks the chain it is shown against the
 * TLSA RRset, before, during and after a key rollover.
 *
 * <p>posttls-finger uses the system resolver and port 25, which take no other port: the MX
 * host gets a loopback address of its own, unbound listens on port 53 there, and
 * posttls-finger runs in a private mount namespace with {@code /etc/resolv.conf} naming it.
 * It exits 0 whatever it finds, so its output is read: {@code Verified TLS connection} and the
 * TLSA record that matched, or {@code no matching DANE TLSA records}. The probe connects where
 * the shared test profile points it (127.0.0.1, another port), so the host's chain is served
 * there too.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class DaneMtaViewTest {
    static final String HOST = "mx-mta.example.test";

    @TempDir
    static Path dir;
    static InetAddress mx;
    static KnotServer knot;
    static UnboundServer unbound;
    static StartTlsSmtpServer mta;
    static StartTlsSmtpServer probed;

    @Inject
    DaneWorker worker;
    @Inject
    ProbeRunner probe;

    @BeforeAll
    static void start() throws Exception {
        mx = LoopbackAddress.withFreePorts(25, 53);
        knot = KnotServer.builder()
                .port(Integer.getInteger(AcmeTestServers.DANE_DNS_PORT_PROPERTY))
                .tsigSecret(System.getProperty(AcmeTestServers.DANE_TSIG_SECRET_PROPERTY))
                .signedZone("example.test", KnotServer.soa("example.test")
                        + "mx-mta A " + mx.getHostAddress() + "\n")
                .start();
        unbound = UnboundServer.builder().listen(mx, 53)
                .trustAnchor(knot.ds("example.test"))
                .stubZone("example.test", knot.port())
                .start();
        mta = new StartTlsSmtpServer(mx, 25);
        probed = new StartTlsSmtpServer(Integer.getInteger(
                AcmeTestServers.DANE_SMTP_PORT_PROPERTY));
        Files.writeString(dir.resolve("resolv.conf"), "nameserver " + mx.getHostAddress()
                + "\noptions trust-ad\n");
        // posttls-finger reads main.cf; Postfix's built-in defaults are all it needs.
        Files.createDirectories(dir.resolve("postfix"));
        Files.writeString(dir.resolve("postfix/main.cf"), "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (mta != null) {
            mta.close();
        }
        if (probed != null) {
            probed.close();
        }
        if (unbound != null) {
            unbound.close();
        }
        if (knot != null) {
            knot.close();
        }
    }

    @Test
    void postfixVerifiesTheMxThroughDaneBeforeDuringAndAfterAKeyRollover() throws Exception {
        var account = AcmeHttp.register();
        var first = DanePublishingTest.issue(account, Issuance.certificateKey(), HOST);
        worker.runDue(Instant.now());
        var oldLeaf = DanePublishingTest.spki(3, first.leaf());
        var ca = DanePublishingTest.spki(2, first.chain().get(1));
        assertThat(tlsa()).isEqualTo(sorted(oldLeaf, ca));

        // Before: the issued chain verifies, by its leaf's record.
        serve(first.key(), first.chain());
        assertVerified(posttlsFinger(), "EE certificate at depth 0", oldLeaf);

        // A renewal with a new key, deployed before MailCA published its record: the 2 1 1
        // record carries it, as long as the server sends the intermediate (docs/dane.md).
        var second = DanePublishingTest.issue(account, Issuance.certificateKey(), HOST);
        var newLeaf = DanePublishingTest.spki(3, second.leaf());
        serve(second.key(), second.chain());
        assertVerified(posttlsFinger(), "TA certificate at depth 1", ca);
        // Without the intermediate, a key with no record of its own is not verified.
        serve(second.key(), List.of(second.leaf()));
        assertNotVerified(posttlsFinger());

        // During: both leaf records and the CA record; the new chain verifies by its leaf.
        var published = Instant.now();
        worker.runDue(published);
        assertThat(tlsa()).isEqualTo(sorted(oldLeaf, newLeaf, ca));
        serve(second.key(), second.chain());
        assertVerified(posttlsFinger(), "EE certificate at depth 0", newLeaf);

        // After: the probe has seen the new key and 2×TTL (2 h) has passed; the old record is
        // gone from DNS, and the old certificate without the intermediate no longer verifies.
        var twoTtl = published.plus(Duration.ofHours(2));
        assertThat(probe.probe(HOST, twoTtl)).singleElement().satisfies(r -> {
            assertThat(r.matchesTlsa()).isTrue();
            assertThat(r.alert()).isNull();
        });
        worker.runDue(twoTtl);
        assertThat(tlsa()).isEqualTo(sorted(newLeaf, ca));
        assertVerified(posttlsFinger(), "EE certificate at depth 0", newLeaf);
        serve(first.key(), List.of(first.leaf()));
        assertNotVerified(posttlsFinger());
    }

    /** Presents the chain on the MX address (posttls-finger) and where the probe looks. */
    static void serve(KeyPair key, List<X509Certificate> chain) {
        mta.serve(key.getPrivate(), chain);
        probed.serve(key.getPrivate(), chain);
    }

    /** Verified, and by {@code record} (which posttls-finger prints in capitals). */
    static void assertVerified(String output, String what, String record) {
        assertThat(output).as(output)
                .contains(HOST + "[" + mx.getHostAddress() + "]:25: Matched DANE " + what
                        + ": " + record.toUpperCase(Locale.ROOT))
                .contains("Verified TLS connection established to " + HOST + "["
                        + mx.getHostAddress() + "]:25")
                .doesNotContain("Untrusted TLS connection");
    }

    static void assertNotVerified(String output) {
        assertThat(output).as(output)
                .contains("server certificate verification failed for " + HOST + "["
                        + mx.getHostAddress() + "]:25: num=65:no matching DANE TLSA records")
                .contains("Untrusted TLS connection established to " + HOST)
                .doesNotContain("Verified TLS connection");
    }

    /** The TLSA RRset at the MX's port 25 as the validating resolver serves it, sorted. */
    static List<String> tlsa() {
        var result = new ArrayList<String>();
        for (var line : run("kdig", "@" + mx.getHostAddress(), "+short",
                "_25._tcp." + HOST, "TLSA").split("\n")) {
            if (!line.isBlank()) {
                var parts = line.trim().split("\\s+", 4);
                result.add(parts[0] + " " + parts[1] + " " + parts[2] + " "
                        + parts[3].replaceAll("\\s", "").toLowerCase(Locale.ROOT));
            }
        }
        result.sort(null);
        return result;
    }

    static List<String> sorted(String... records) {
        var list = new ArrayList<>(List.of(records));
        list.sort(null);
        return list;
    }

    /**
     * {@code posttls-finger -v -c -l dane [HOST]}: no MX lookup, the host's A record and its
     * TLSA RRset from the validating resolver, which a bind mount over /etc/resolv.conf names
     * inside a private mount namespace for this one command.
     */
    static String posttlsFinger() {
        var script = "mount --bind \"$1\" /etc/resolv.conf && shift && exec posttls-finger \"$@\"";
        return run("env", "MAIL_CONFIG=" + dir.resolve("postfix"), "unshare", "-m", "sh", "-c",
                script, "posttls-finger", dir.resolve("resolv.conf").toString(),
                "-v", "-c", "-l", "dane", "-t", "10", "-T", "10",
                "-o", "myhostname=posttls-finger.example.test", "[" + HOST + "]");
    }

    static String run(String... command) {
        try {
            var p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            // posttls-finger exits 0 whatever it found; the output is what counts.
            assertThat(p.exitValue()).as("%s: %s", List.of(command), out).isZero();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
