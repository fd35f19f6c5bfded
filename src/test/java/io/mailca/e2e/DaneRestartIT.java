package io.mailca.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.mailca.testsupport.KnotServer;
import io.mailca.testsupport.MailcaProcess;
import io.mailca.testsupport.UnboundServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.connector.HttpConnector;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/**
 * The TLSA outbox survives a crash (issue #4, DESIGN.md main flow step 4): the packaged MailCA
 * on its embedded store issues a certificate over ACME while the DANE zone's primary (Knot) is
 * down, so the publication job fails and waits for its retry; the process is killed with
 * SIGKILL, Knot comes up, MailCA starts again on the same data directory, and the job it finds
 * publishes the {@code 3 1 1} and {@code 2 1 1} records (digests computed by openssl from the
 * issued chain). Reconciliation is off, so only the outbox can bring them. MailCA's
 * validating resolver is a real unbound trusting the zone's DS, so the records it published
 * are judged secure, as a sending MTA's resolver judges them.
 */
class DaneRestartIT {
    private static final String HOST = "mx-restart.example.test";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Timeout(600)
    void aJobQueuedBeforeAKillIsPublishedAfterTheRestart(@TempDir Path tmp) throws Exception {
        var danePort = freePort();
        var validatingPort = freePort();
        var secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        var tsigSecret = Base64.getEncoder().encodeToString(secret);
        var secretFile = tmp.resolve("tsig.secret");
        Files.writeString(secretFile, tsigSecret + "\n");
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        var zone = "-Dmailca.dane.zones.\"example.test\".";

        try (var resolver = KnotServer.builder().zone(KnotServer.EXAMPLE_TEST,
                KnotServer.soa(KnotServer.EXAMPLE_TEST) + "* A 127.0.0.1\n").start();
                var mailca = MailcaProcess.builder().domains("example.test")
                        .dnsResolver(resolver.address())
                        .jvmOption(zone + "server=127.0.0.1:" + danePort)
                        .jvmOption(zone + "authoritative=127.0.0.1:" + danePort)
                        .jvmOption(zone + "tsig-key-name=mailca-test.")
                        .jvmOption(zone + "tsig-secret-file=" + secretFile)
                        .env("MAILCA_DANE_VALIDATING_RESOLVER", "127.0.0.1:" + validatingPort)
                        .env("MAILCA_DANE_WORKER_EVERY", "1s")
                        .env("MAILCA_DANE_RETRY_BASE", "1s")
                        .env("MAILCA_DANE_RETRY_MAX", "2s")
                        // A job claimed when the kill came waits for its lease to end.
                        .env("MAILCA_DANE_RETRY_LEASE", "10s")
                        // Only the outbox may bring the records: no reconciliation, no probe.
                        .env("MAILCA_DANE_RECONCILE_EVERY", "off")
                        .env("MAILCA_DANE_PROBE_EVERY", "off")
                        .start()) {
            var tls = MailcaProcess.trusting(mailca.serviceCaPem());

            // 1. Issue while the DANE zone's primary is down; the job fails and is rescheduled.
            var accountKey = ecKey();
            var issued = issue(mailca, tls, accountKey);
            var chain = issued.chain();
            await("a failed publication attempt in the log", () -> mailca.logOfCurrentRun()
                    .matches("(?s).*TLSA job \\d+ for " + HOST.replace(".", "\\.")
                            + " failed \\(attempt 1\\).*"));
            // The failure is committed (the job's last error), and the health check says so.
            await("the failing job in the dane health check", () -> {
                var check = daneCheck(mailca);
                return "DOWN".equals(check.path("status").asText())
                        && check.path("data").toString().contains(HOST);
            });

            // 2. A crash, not a shutdown.
            mailca.kill();

            // 3. The primary comes back with a validating resolver that trusts its DS, then
            // MailCA on the same data directory.
            try (var knot = KnotServer.builder().port(danePort).tsigSecret(tsigSecret)
                    .signedZone("example.test", KnotServer.soa("example.test")).start();
                    var unbound = UnboundServer.builder()
                            .listen(InetAddress.getLoopbackAddress(), validatingPort)
                            .trustAnchor(knot.ds("example.test"))
                            .stubZone("example.test", knot.port()).start()) {
                mailca.start();
                var expected = List.of(openssl("3 1 1 ", chain.get(0), tmp),
                        openssl("2 1 1 ", chain.get(1), tmp));
                var owner = "_25._tcp." + HOST;
                await("the TLSA RRset in Knot", () -> knot.tlsa(owner).size() >= 2);
                assertThat(knot.tlsa(owner)).as(mailca.logOfCurrentRun())
                        .containsExactlyInAnyOrderElementsOf(expected);
                assertThat(knot.kdig("+dnssec", "+noall", "+answer", owner, "TLSA"))
                        .contains("RRSIG\tTLSA");

                // The validating resolver calls the TLSA secure, so the DANE check is UP; with
                // a resolver that does not validate it would be DOWN, "INSECURE".
                await("the dane health check UP", () -> "UP".equals(daneCheck(mailca)
                        .path("status").asText()));

                // 4. The certificate is still there for its account to download.
                var session = session(mailca, tls);
                var downloaded = session.login(issued.account(), accountKey)
                        .bindCertificate(issued.location()).getCertificateChain();
                assertThat(downloaded).isEqualTo(chain);
            }
        }
    }

    /** The {@code dane} check of {@code GET /q/health/well} (docs/dane.md). */
    private static JsonNode daneCheck(MailcaProcess mailca) {
        try {
            var body = new String(mailca.getPublic("/q/health/well").body(),
                    StandardCharsets.UTF_8);
            for (var check : JSON.readTree(body).path("checks")) {
                if ("dane".equals(check.path("name").asText())) {
                    return check;
                }
            }
            throw new AssertionError("no dane check in " + body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Issued(URL account, URL location, List<X509Certificate> chain) {
    }

    /** RFC 8555 §7 with acme4j: account, order, http-01 answered on MailCA's port, finalize. */
    private static Issued issue(MailcaProcess mailca, SSLContext tls, KeyPair accountKey)
            throws Exception {
        var session = session(mailca, tls);
        var account = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey)
                .create(session);
        var order = account.newOrder().domain(HOST).create();
        var answers = new ConcurrentHashMap<String, String>();
        var http01 = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                mailca.http01Port()), 10);
        http01.createContext("/.well-known/acme-challenge/", exchange -> {
            var token = exchange.getRequestURI().getPath().substring(
                    "/.well-known/acme-challenge/".length());
            var body = answers.getOrDefault(token, "").getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(body.length == 0 ? 404 : 200,
                    body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http01.start();
        try {
            var authorization = order.getAuthorizations().get(0);
            var challenge = authorization.findChallenge(Http01Challenge.class).orElseThrow();
            answers.put(challenge.getToken(), challenge.getAuthorization());
            challenge.trigger();
            assertThat(authorization.waitForCompletion(WAIT)).as("%s", authorization.getJSON())
                    .isEqualTo(Status.VALID);
        } finally {
            http01.stop(0);
        }
        order.waitUntilReady(WAIT);
        var certificateKey = ecKey();
        order.execute(certificateKey);
        assertThat(order.waitForCompletion(WAIT)).isEqualTo(Status.VALID);
        var certificate = order.getCertificate();
        var chain = certificate.getCertificateChain();
        assertThat(chain).hasSize(2);
        assertThat(chain.get(0).getPublicKey()).isEqualTo(certificateKey.getPublic());
        return new Issued(account.getLocation(), certificate.getLocation(), chain);
    }

    /** An acme4j session whose HTTPS client trusts MailCA's service issuer, and no other. */
    private static Session session(MailcaProcess mailca, SSLContext tls) {
        return new Session(URI.create(mailca.directoryUrl()), new GenericAcmeProvider() {
            @Override
            protected HttpConnector createHttpConnector(NetworkSettings settings) {
                return new HttpConnector(settings) {
                    @Override
                    public HttpClient.Builder createClientBuilder() {
                        return super.createClientBuilder().sslContext(tls);
                    }
                };
            }
        });
    }

    /** {@code usage 1 1 HEX}, the digest of the certificate's SPKI as openssl computes it. */
    private static String openssl(String prefix, X509Certificate certificate, Path tmp)
            throws Exception {
        var pem = Files.createTempFile(tmp, "cert-", ".pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64,
                new byte[] {'\n'}).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        var result = Command.of(Duration.ofSeconds(30), "sh", "-c", "openssl x509 -in " + pem
                + " -pubkey -noout | openssl pkey -pubin -outform DER"
                + " | openssl dgst -sha256 -r").run().assertSuccess();
        return prefix + result.output().trim().split("\\s+")[0];
    }


    private static KeyPair ecKey() throws Exception {
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static void await(String what, Supplier<Boolean> done) throws InterruptedException {
        var deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up after " + WAIT + " waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    private static int freePort() throws Exception {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
