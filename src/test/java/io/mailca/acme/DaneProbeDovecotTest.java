package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.dane.DaneWorker;
import io.mailca.dane.ProbeRunner;
import io.mailca.issuance.Pem;
import io.mailca.testsupport.AcmeTestServers;
import io.mailca.testsupport.DovecotServer;
import io.mailca.testsupport.KnotServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DANE probe against a real IMAP and POP3 server (issue #4): Dovecot serving the issued
 * chain with STARTTLS on IMAP (RFC 3501 §6.2.1) and POP3 (RFC 2595 §4) and with TLS from the
 * first byte on IMAPS and POP3S (RFC 8314 §3). The test profile gives the host the services
 * imap, imaps, pop3 and pop3s and points the probe at Dovecot's ports.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class DaneProbeDovecotTest {
    static final String HOST = "mail-dovecot.example.test";
    static final List<Integer> PORTS = List.of(143, 993, 110, 995);

    @TempDir
    static Path dir;
    static KnotServer knot;
    static DovecotServer dovecot;

    @Inject
    DaneWorker worker;
    @Inject
    ProbeRunner probe;

    @BeforeAll
    static void start() {
        knot = KnotServer.builder()
                .port(Integer.getInteger(AcmeTestServers.DANE_DNS_PORT_PROPERTY))
                .tsigSecret(System.getProperty(AcmeTestServers.DANE_TSIG_SECRET_PROPERTY))
                .signedZone("example.test", KnotServer.soa("example.test"))
                .start();
        dovecot = new DovecotServer(
                Integer.getInteger(AcmeTestServers.DANE_IMAP_PORT_PROPERTY),
                Integer.getInteger(AcmeTestServers.DANE_IMAPS_PORT_PROPERTY),
                Integer.getInteger(AcmeTestServers.DANE_POP3_PORT_PROPERTY),
                Integer.getInteger(AcmeTestServers.DANE_POP3S_PORT_PROPERTY));
    }

    @AfterAll
    static void stop() {
        if (dovecot != null) {
            dovecot.close();
        }
        if (knot != null) {
            knot.close();
        }
    }

    @Test
    void probeMatchesDovecotOnImapAndPop3AndSeesAnotherCertificate() throws Exception {
        var account = AcmeHttp.register();
        var issued = DanePublishingTest.issue(account, Issuance.certificateKey(), HOST);
        var now = Instant.now();
        worker.runDue(now);
        var leaf = DanePublishingTest.spki(3, issued.leaf());
        var ca = DanePublishingTest.spki(2, issued.chain().get(1));
        for (var port : PORTS) {
            assertThat(tlsa("_" + port + "._tcp." + HOST)).containsExactlyInAnyOrder(leaf, ca);
        }

        // Dovecot serves the issued chain (certbot's fullchain.pem) on all four listeners.
        dovecot.serve(Pem.certificates(issued.chain()), Pem.privateKey(issued.key().getPrivate()));
        var results = probe.probe(HOST, now.plusSeconds(1));
        assertThat(results).extracting(ProbeRunner.Result::port).as(dovecot.log())
                .containsExactlyElementsOf(PORTS);
        assertThat(results).allSatisfy(r -> {
            assertThat(r.spkiSha256()).isEqualTo(leaf.substring("3 1 1 ".length()));
            assertThat(r.matchesTlsa()).isTrue();
            assertThat(r.chainsToRoot()).isTrue();
            assertThat(r.alert()).isNull();
        });

        // Another certificate (self-signed by openssl, a key MailCA never saw): no record
        // matches it and it does not chain to the MailCA root, on every port.
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", "other-key.pem", "-out", "other.pem", "-subj",
                "/CN=" + HOST, "-days", "2");
        var otherSpki = run("sh", "-c", "openssl x509 -in other.pem -pubkey -noout"
                + " | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r").split(" ")[0];
        dovecot.serve(Files.readString(dir.resolve("other.pem")),
                Files.readString(dir.resolve("other-key.pem")));
        results = probe.probe(HOST, now.plusSeconds(2));
        assertThat(results).extracting(ProbeRunner.Result::port).containsExactlyElementsOf(PORTS);
        assertThat(results).allSatisfy(r -> {
            assertThat(r.spkiSha256()).isEqualTo(otherSpki);
            assertThat(r.matchesTlsa()).isFalse();
            assertThat(r.chainsToRoot()).isFalse();
            assertThat(r.alert()).isEqualTo(HOST + ":" + r.port()
                    + " serves a certificate no published TLSA record matches");
        });
    }

    /** The TLSA RRset Knot serves at {@code owner}, hex in lower case. */
    static List<String> tlsa(String owner) {
        return knot.kdig("+short", owner, "TLSA").lines().filter(l -> !l.isBlank())
                .map(l -> {
                    var parts = l.trim().split("\\s+", 4);
                    return parts[0] + " " + parts[1] + " " + parts[2] + " "
                            + parts[3].replaceAll("\\s", "").toLowerCase();
                }).toList();
    }

    /** Runs a command (openssl) in the test's directory; returns what it printed. */
    static String run(String... command) throws Exception {
        var p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .start();
        var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", List.of(command), out).isZero();
        return out.trim();
    }
}
