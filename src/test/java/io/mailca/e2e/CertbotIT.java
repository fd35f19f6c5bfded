package io.mailca.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.KnotServer;
import io.mailca.testsupport.MailcaProcess;
import io.mailca.testsupport.PostgresCluster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A mail host's life with certbot, end to end: the packaged MailCA, a real Knot DNS server as
 * its resolver, and Debian's {@code certbot} issuing, renewing and revoking over RFC 8555 with
 * real http-01 validation (certbot's standalone server answers MailCA's validator).
 *
 * <p>Runs once per store, because the embedded store is what a first try uses and PostgreSQL
 * is what production uses; both must hold the CA across a restart.
 */
class CertbotIT {
    private static final String HOST = "mx1.example.test";
    private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(30);

    enum Store { EMBEDDED, POSTGRESQL }

    @AfterAll
    static void writeClientMatrix() {
        ClientMatrix.writeDocs();
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    @Timeout(600)
    void issueRenewRevokeAndRestart(Store store, @TempDir Path tmp) throws Exception {
        var row = ClientMatrix.row("certbot", "http-01 standalone");
        try {
            issueRenewRevokeAndRestart(store, tmp, row);
        } catch (Exception | AssertionError e) {
            row.failed();
            throw e;
        }
    }

    private void issueRenewRevokeAndRestart(Store store, Path tmp, ClientMatrix row)
            throws Exception {
        try (var knot = KnotServer.builder().exampleTest().start();
                var postgres = store == Store.POSTGRESQL ? PostgresCluster.start() : null;
                var mailca = startMailca(knot, postgres)) {
            var certbot = new Certbot(tmp.resolve("certbot"), mailca);
            var live = certbot.live(HOST);

            // 0. The corporate root, as a mail client downloads it; the first start names it.
            var root = mailca.rootCertificate();
            var rootFingerprint = sha256(root.getEncoded());
            assertThat(mailca.getPublic("/ca/root.der").body()).isEqualTo(root.getEncoded());
            assertThat(root.getSubjectX500Principal()).isEqualTo(root.getIssuerX500Principal());
            var firstStart = mailca.logOfCurrentRun();
            assertThat(firstStart).contains(mailca.directoryUrl());
            assertThat(firstStart.replace(":", "").toLowerCase(Locale.ROOT))
                    .contains(rootFingerprint);

            // MAILCA_DATA_DIR holds everything MailCA keeps, the embedded database included;
            // nothing lands in the working directory beside it.
            try (var entries = Files.list(mailca.workDir())) {
                assertThat(entries.map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder("data", "mailca.log");
            }
            if (store == Store.EMBEDDED) {
                assertThat(mailca.dataDir().resolve("mailca.mv.db")).isRegularFile();
            }

            var rootPem = tmp.resolve("root.pem");
            Files.write(rootPem, mailca.getPublic("/ca/root.pem").body());

            // 1. First issuance, validated over http-01 through Knot's A record.
            certbot.run("certonly",
                    "--server", mailca.directoryUrl(),
                    "--standalone",
                    "--http-01-port", String.valueOf(mailca.http01Port()),
                    "--http-01-address", "127.0.0.1",
                    "-d", HOST,
                    "--agree-tos",
                    "-m", "postmaster@example.test").assertSuccess();

            var leaf = single(live.resolve("cert.pem"));
            assertThat(leaf.getSubjectAlternativeNames())
                    .containsExactly(List.of(2, HOST));
            assertChain(live, leaf, root);
            assertVerifies(rootPem, live);
            row.passed("obtain");

            // 2. A forced renewal is a new certificate, not the old one again.
            certbot.run("renew", "--force-renewal", "--no-random-sleep-on-renew")
                    .assertSuccess();

            var renewed = single(live.resolve("cert.pem"));
            assertThat(renewed.getSerialNumber()).isNotEqualTo(leaf.getSerialNumber());
            assertThat(renewed.getSubjectAlternativeNames()).containsExactly(List.of(2, HOST));
            assertChain(live, renewed, root);
            assertVerifies(rootPem, live);
            row.passed("renew");

            // 3. Revocation for key compromise, once: the second attempt is refused as such.
            // The lineage stays so that the same certificate can be revoked a second time.
            certbot.run("revoke", "--cert-name", HOST, "--reason", "keycompromise",
                    "--no-delete-after-revoke").assertSuccess();

            var again = certbot.run("revoke", "--cert-name", HOST, "--reason", "keycompromise",
                    "--no-delete-after-revoke");
            assertThat(again.exitCode())
                    .as(again.describe("expected a non-zero exit"))
                    .isNotZero();
            // Debian's certbot 2.1 on Python 3.11 prints "AttributeError: can't set attribute"
            // instead of an ACME problem (josepy's immutable error meets contextlib), so the
            // server's answer is read where certbot keeps it: its log of the HTTP exchange.
            assertThat(again.output() + certbot.lastRunLog())
                    .as(again.describe("expected alreadyRevoked"))
                    .contains("urn:ietf:params:acme:error:alreadyRevoked");
            row.passed("revoke");

            // 4. A restart keeps the CA, and the account: certbot renews without registering.
            mailca.restart();

            assertThat(sha256(mailca.rootCertificate().getEncoded())).isEqualTo(rootFingerprint);
            certbot.run("renew", "--force-renewal", "--no-random-sleep-on-renew")
                    .assertSuccess();
            var afterRestart = single(live.resolve("cert.pem"));
            assertThat(afterRestart.getSerialNumber())
                    .isNotIn(leaf.getSerialNumber(), renewed.getSerialNumber());
            assertChain(live, afterRestart, root);
            assertVerifies(rootPem, live);

            // 5. A crash (SIGKILL) must not lose the CA either.
            mailca.kill();
            mailca.start();

            assertThat(sha256(mailca.rootCertificate().getEncoded())).isEqualTo(rootFingerprint);
        }
    }

    private static MailcaProcess startMailca(KnotServer knot, PostgresCluster postgres) {
        var builder = MailcaProcess.builder()
                .domains("example.test")
                .dnsResolver(knot.address());
        if (postgres != null) {
            builder.postgres(postgres);
        }
        return builder.start();
    }

    /**
     * fullchain.pem is the leaf, then the issuing intermediate, and no root: a server must not
     * send the trust anchor, and DANE-TA (2 1 1) needs the intermediate in the chain.
     */
    private static void assertChain(Path live, X509Certificate leaf, X509Certificate root)
            throws Exception {
        var fullchain = all(live.resolve("fullchain.pem"));
        var chain = all(live.resolve("chain.pem"));

        assertThat(fullchain).hasSize(2);
        assertThat(fullchain.get(0)).isEqualTo(leaf);
        var intermediate = fullchain.get(1);
        assertThat(chain).containsExactly(intermediate);

        assertThat(intermediate).isNotEqualTo(root);
        assertThat(intermediate.getSubjectX500Principal())
                .isNotEqualTo(intermediate.getIssuerX500Principal());
        assertThat(intermediate.getIssuerX500Principal())
                .isEqualTo(root.getSubjectX500Principal());
        assertThat(leaf.getIssuerX500Principal())
                .isEqualTo(intermediate.getSubjectX500Principal());
        intermediate.verify(root.getPublicKey());
        leaf.verify(intermediate.getPublicKey());
    }

    /** OpenSSL, not only Java, must accept the chain: it applies Name Constraints strictly. */
    private static void assertVerifies(Path rootPem, Path live) {
        var cert = live.resolve("cert.pem").toString();
        var result = Command.of(OPENSSL_TIMEOUT, "openssl", "verify",
                "-purpose", "sslserver",
                "-CAfile", rootPem.toString(),
                "-untrusted", live.resolve("chain.pem").toString(),
                cert).run().assertSuccess();
        assertThat(result.output()).isEqualTo(cert + ": OK\n");
    }

    private static X509Certificate single(Path pem) throws IOException, CertificateException {
        var certificates = all(pem);
        assertThat(certificates).as(pem.toString()).hasSize(1);
        return certificates.get(0);
    }

    private static List<X509Certificate> all(Path pem) throws IOException, CertificateException {
        return CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem)))
                .stream()
                .map(X509Certificate.class::cast)
                .toList();
    }

    private static String sha256(byte[] der) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    }
}
