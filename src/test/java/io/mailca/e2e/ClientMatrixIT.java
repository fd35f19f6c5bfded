package io.mailca.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.mailca.testsupport.KnotServer;
import io.mailca.testsupport.MailcaProcess;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACME client matrix (issue #6): each client mail admins run obtains a certificate for a
 * mail host of its own, renews it and revokes it, against one packaged MailCA whose resolver is
 * a real Knot server; every row lands in the table of {@code docs/clients.md}.
 *
 * <p>One MailCA and one Knot serve every client, one after the other: the http-01 port and the
 * tls-alpn-01 port are MailCA's validation targets, and each client binds them only while it
 * runs. Each client has its own host name, so that no authorization of another client (or of
 * another challenge type) is reused by MailCA and each row really validates its challenge.
 * certbot over http-01 is {@link CertbotIT}.
 */
@TestMethodOrder(MethodOrderer.MethodName.class)
@Timeout(180)
class ClientMatrixIT {
    private static final String ZONE = "example.test";
    private static final String EMAIL = "postmaster@example.test";
    private static final Duration CLIENT_TIMEOUT = Duration.ofMinutes(2);
    private static final List<String> LABELS = List.of("mx-certbot-dns", "mx-lego-http",
            "mx-lego-dns", "mx-lego-tls", "mx-dehydrated", "mx-uacme", "mx-go");

    @TempDir
    static Path tmp;
    private static KnotServer knot;
    private static MailcaProcess mailca;
    private static Path rootPem;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Made for this run only: a bootstrap admin token is never stored (docs/admin.md). */
    private static final String ADMIN_TOKEN = randomToken();

    @BeforeAll
    static void start() throws IOException {
        var zone = new StringBuilder(KnotServer.soa(ZONE));
        for (var label : LABELS) {
            // The MX records are what a mail host policy that wants evidence looks for.
            zone.append(label).append(" A 127.0.0.1\n")
                    .append("@ MX 10 ").append(label).append('\n');
        }
        knot = KnotServer.builder().zone(ZONE, zone.toString()).start();
        mailca = MailcaProcess.builder()
                .domains(ZONE)
                .dnsResolver(knot.address())
                .env("MAILCA_ADMIN_BOOTSTRAP_TOKEN", ADMIN_TOKEN)
                .start();
        rootPem = tmp.resolve("root.pem");
        Files.write(rootPem, mailca.getPublic("/ca/root.pem").body());
    }

    @AfterAll
    static void stop() {
        try {
            if (mailca != null) {
                mailca.close();
            }
            if (knot != null) {
                knot.close();
            }
        } finally {
            ClientMatrix.writeDocs();
        }
    }

    // ---- certbot ------------------------------------------------------------------------------

    @Test
    void certbotDns01ThroughAManualHook() throws IOException {
        var host = host("mx-certbot-dns");
        var row = ClientMatrix.row("certbot", "dns-01 manual hook");
        var certbot = new Certbot(tmp.resolve("certbot-dns"), mailca);
        var auth = script("certbot-auth.sh", nsupdate("add", "$CERTBOT_DOMAIN",
                "$CERTBOT_VALIDATION"));
        var cleanup = script("certbot-cleanup.sh", nsupdate("delete", "$CERTBOT_DOMAIN",
                "$CERTBOT_VALIDATION"));
        var live = certbot.live(host);
        var serials = new ArrayList<BigInteger>();

        row.step("obtain", () -> {
            certbot.run("certonly", "--server", mailca.directoryUrl(),
                    "--manual", "--preferred-challenges", "dns",
                    "--manual-auth-hook", auth.toString(),
                    "--manual-cleanup-hook", cleanup.toString(),
                    "-d", host, "--agree-tos", "-m", EMAIL).assertSuccess();
            serials.add(assertIssued(live.resolve("fullchain.pem"), host));
        });

        row.step("renew", () -> {
            certbot.run("renew", "--cert-name", host, "--force-renewal",
                    "--no-random-sleep-on-renew").assertSuccess();
            serials.add(assertRenewed(live.resolve("fullchain.pem"), host, serials));
        });

        row.step("revoke", () -> {
            certbot.run("revoke", "--cert-name", host, "--reason", "superseded",
                    "--no-delete-after-revoke").assertSuccess();
            assertRevoked(serials.get(1));
        });
    }

    /** A hook body that adds or deletes the dns-01 TXT record in Knot, TSIG-signed. */
    private static String nsupdate(String action, String domainVar, String valueVar) {
        return "knsupdate -y " + knot.tsigAlgorithm() + ":" + knot.tsigKeyName() + ":"
                + knot.tsigSecret() + " <<EOF\n"
                + "server 127.0.0.1 " + knot.port() + "\n"
                + "zone " + ZONE + ".\n"
                + "update " + action + " _acme-challenge." + domainVar + ". 60 TXT \""
                + valueVar + "\"\n"
                + "send\n"
                + "EOF\n";
    }

    // ---- lego ---------------------------------------------------------------------------------

    @Test
    void legoHttp01() {
        lego("http-01", host("mx-lego-http"), List.of("--http",
                "--http.port", "127.0.0.1:" + mailca.http01Port()), Map.of());
    }

    @Test
    void legoDns01ThroughRfc2136() {
        var env = Map.of(
                "RFC2136_NAMESERVER", knot.address(),
                "RFC2136_TSIG_KEY", knot.tsigKeyName(),
                "RFC2136_TSIG_SECRET", knot.tsigSecret(),
                "RFC2136_TSIG_ALGORITHM", knot.tsigAlgorithm() + ".",
                "RFC2136_PROPAGATION_TIMEOUT", "30",
                "RFC2136_POLLING_INTERVAL", "1");
        lego("dns-01 rfc2136", host("mx-lego-dns"), List.of("--dns", "rfc2136",
                "--dns.resolvers", knot.address(), "--dns.disable-cp"), env);
    }

    @Test
    void legoTlsAlpn01() {
        lego("tls-alpn-01", host("mx-lego-tls"), List.of("--tls",
                "--tls.port", "127.0.0.1:" + mailca.tlsAlpn01Port()), Map.of());
    }

    private static void lego(String challenge, String host, List<String> solver,
            Map<String, String> solverEnv) {
        var row = ClientMatrix.row("lego", challenge);
        var env = new LinkedHashMap<>(solverEnv);
        env.put("LEGO_CA_CERTIFICATES", mailca.serviceCaPem().toString());
        var base = new ArrayList<>(List.of("lego", "--path", tmp.resolve("lego").toString(),
                "--server", mailca.directoryUrl(), "--accept-tos", "--email", EMAIL,
                "--key-type", "ec256", "-d", host));
        base.addAll(solver);
        var crt = tmp.resolve("lego/certificates/" + host + ".crt");
        var serials = new ArrayList<BigInteger>();

        row.step("obtain", () -> {
            run(env, base, "run");
            serials.add(assertIssued(crt, host));
        });

        // lego renews when fewer than --days days are left: more than any lifetime forces it.
        row.step("renew", () -> {
            run(env, base, "renew", "--days", "3650", "--no-random-sleep");
            serials.add(assertRenewed(crt, host, serials));
        });

        row.step("revoke", () -> {
            run(env, base, "revoke", "--reason", "4");
            assertRevoked(serials.get(1));
        });
    }

    // ---- dehydrated -----------------------------------------------------------------------------

    @Test
    void dehydratedHttp01() throws IOException {
        var host = host("mx-dehydrated");
        var row = ClientMatrix.row("dehydrated", "http-01 hook");
        var dir = tmp.resolve("dehydrated");
        var webroot = tmp.resolve("webroot-dehydrated");
        var wellKnown = webroot.resolve(".well-known/acme-challenge");
        Files.createDirectories(wellKnown);
        Files.createDirectories(dir);
        // dehydrated's hook is called after it wrote the token into WELLKNOWN; the hook records
        // that it ran, the test's web server serves the directory.
        var hook = script("dehydrated-hook.sh", """
                case "$1" in
                  deploy_challenge) echo "$2 $3" >> "%s" ;;
                esac
                exit 0
                """.formatted(dir.resolve("hook.log")));
        var config = dir.resolve("config");
        Files.writeString(config, String.join("\n",
                "CA=\"" + mailca.directoryUrl() + "\"",
                "CURL_OPTS=\"--cacert " + mailca.serviceCaPem() + "\"",
                "BASEDIR=\"" + dir + "\"",
                "WELLKNOWN=\"" + wellKnown + "\"",
                "HOOK=\"" + hook + "\"",
                "CONTACT_EMAIL=\"" + EMAIL + "\"",
                "KEY_ALGO=prime256v1",
                // The account key is RSA of KEYSIZE bits; 4096 takes seconds to generate.
                "KEYSIZE=2048",
                "CHALLENGETYPE=http-01", ""));
        var base = List.of("dehydrated", "--config", config.toString());
        var fullchain = dir.resolve("certs/" + host + "/fullchain.pem");
        var serials = new ArrayList<BigInteger>();

        try (var web = WebRoot.serve(webroot, mailca.http01Port())) {
            row.step("obtain", () -> {
                run(Map.of(), base, "--register", "--accept-terms");
                run(Map.of(), base, "--cron", "--domain", host);
                serials.add(assertIssued(fullchain, host));
                assertThat(read(dir.resolve("hook.log"))).startsWith(host + " ");
            });

            row.step("renew", () -> {
                run(Map.of(), base, "--cron", "--domain", host, "--force");
                serials.add(assertRenewed(fullchain, host, serials));
            });
        }

        row.step("revoke", () -> {
            run(Map.of(), base, "--revoke", dir.resolve("certs/" + host + "/cert.pem")
                    .toString());
            assertRevoked(serials.get(1));
        });
    }

    // ---- uacme ----------------------------------------------------------------------------------

    @Test
    void uacmeHttp01() throws IOException {
        var host = host("mx-uacme");
        var row = ClientMatrix.row("uacme", "http-01 hook");
        var conf = tmp.resolve("uacme");
        var webroot = tmp.resolve("webroot-uacme");
        var wellKnown = webroot.resolve(".well-known/acme-challenge");
        Files.createDirectories(wellKnown);
        // uacme's hook: METHOD TYPE IDENT TOKEN AUTH; a non-zero exit declines a challenge type.
        var hook = script("uacme-hook.sh", """
                [ "$2" = http-01 ] || exit 1
                case "$1" in
                  begin) printf '%%s' "$5" > "%1$s/$4" ;;
                  done|failed) rm -f "%1$s/$4" ;;
                esac
                """.formatted(wellKnown));
        var cert = conf.resolve(host + "/cert.pem");
        var serials = new ArrayList<BigInteger>();

        try (var web = WebRoot.serve(webroot, mailca.http01Port())) {
            row.step("obtain", () -> {
                uacme(conf, hook, "new", EMAIL);
                uacme(conf, hook, "issue", host);
                serials.add(assertIssued(cert, host));
            });

            row.step("renew", () -> {
                uacme(conf, hook, "-f", "issue", host);
                serials.add(assertRenewed(cert, host, serials));
            });
        }

        row.step("revoke", () -> {
            uacme(conf, hook, "revoke", cert.toString());
            assertRevoked(serials.get(1));
        });
    }

    /**
     * uacme 1.7.4 trusts only the system bundle: inside a private mount namespace, MailCA's
     * HTTPS issuer is bind-mounted over it for this one command, and nowhere else.
     */
    private static void uacme(Path conf, Path hook, String... args) {
        var command = new StringBuilder("mount --bind \"$1\" /etc/ssl/certs/ca-certificates.crt"
                + " && shift && exec uacme \"$@\"");
        var argv = new ArrayList<>(List.of("unshare", "-m", "sh", "-c", command.toString(),
                "uacme-matrix", mailca.serviceCaPem().toString(),
                "-v", "-y", "-o", "-t", "EC", "-c", conf.toString(), "-h", hook.toString(),
                "-a", mailca.directoryUrl()));
        argv.addAll(List.of(args));
        new Command(argv, Map.of(), CLIENT_TIMEOUT).run().assertSuccess();
    }

    // ---- Go x/crypto/acme (cert-manager's client) -----------------------------------------------

    @Test
    void goCryptoAcmeHttp01() throws IOException {
        var host = host("mx-go");
        var row = ClientMatrix.row("Go x/crypto/acme", "http-01");
        var out = Files.createDirectories(tmp.resolve("go"));
        var binary = out.resolve("acmeclient");
        var output = new AtomicReference<String>("");
        var serials = new ArrayList<BigInteger>();

        row.step("obtain", () -> {
            build(binary);

            // cert-manager's way: an EAB key from the admin API binds the new account
            // (RFC 8555 §7.3.4).
            var eab = admin("POST", "/eab-keys", "{\"label\":\"client-matrix-go\"}");
            assertThat(eab.statusCode()).as(eab.body()).isEqualTo(201);
            var created = json(eab.body());
            var kid = created.at("/info/kid").asText();
            output.set(new Command(List.of(binary.toString(),
                    "-directory", mailca.directoryUrl(),
                    "-ca", mailca.serviceCaPem().toString(),
                    "-domain", host,
                    "-http", "127.0.0.1:" + mailca.http01Port(),
                    "-email", EMAIL,
                    "-eab-kid", kid,
                    "-eab-hmac", created.get("hmacKey").asText(),
                    "-out", out.toString()), Map.of(), CLIENT_TIMEOUT).run().output());
            assertThat(output.get()).as(output.get()).contains("obtain: ok serial=");
            serials.add(assertIssued(out.resolve("obtain.pem"), host));

            // The key is now bound to exactly the account the Go client registered.
            var keys = json(admin("GET", "/eab-keys", null).body()).get("items");
            var key = itemWith(keys, "kid", kid);
            assertThat(key.get("accountId").isTextual()).as("%s", key).isTrue();
            assertThat(key.get("boundAt").isTextual()).as("%s", key).isTrue();
            assertThat(output.get()).as(output.get())
                    .containsPattern("register: ok account=https://\\S+/acct/"
                            + java.util.regex.Pattern.quote(key.get("accountId").asText()) + "\n");
        });

        row.step("renew", () -> {
            assertThat(output.get()).as(output.get()).contains("renew: ok serial=");
            serials.add(assertRenewed(out.resolve("renew.pem"), host, serials));
        });

        row.step("revoke", () -> {
            assertThat(output.get()).as(output.get())
                    .contains("revoke: ok serial=" + serials.get(1).toString(16));
            assertRevoked(serials.get(1));
        });
    }

    /** Builds src/test/go/acmeclient offline, in GOPATH mode, against Debian's x/crypto. */
    private static void build(Path binary) {
        var source = Path.of("src/test/go/acmeclient/main.go").toAbsolutePath();
        var cache = Path.of("target/go-cache").toAbsolutePath();
        new Command(List.of("go", "build", "-o", binary.toString(), source.toString()),
                Map.of("GO111MODULE", "off",
                        "GOPATH", tmp.resolve("gopath") + ":/usr/share/gocode",
                        "GOCACHE", cache.toString(),
                        "GOFLAGS", "",
                        "GOPROXY", "off"), CLIENT_TIMEOUT).run().assertSuccess();
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static String randomToken() {
        var bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return "matrix-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A request to the admin API with the bootstrap admin token. */
    private static HttpResponse<String> admin(String method, String path, String body) {
        var request = HttpRequest.newBuilder(
                        URI.create("https://localhost:" + mailca.sslPort() + "/admin/v1" + path))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            return HttpClient.newBuilder()
                    .sslContext(MailcaProcess.trusting(mailca.serviceCaPem())).build()
                    .send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode itemWith(JsonNode items, String field, String value) {
        for (var item : items) {
            if (value.equals(item.path(field).asText())) {
                return item;
            }
        }
        throw new AssertionError("no item with " + field + "=" + value + " in " + items);
    }

    private static String host(String label) {
        return label + "." + ZONE;
    }

    private static void run(Map<String, String> env, List<String> base, String... args) {
        var argv = new ArrayList<>(base);
        argv.addAll(List.of(args));
        var result = new Command(argv, env, CLIENT_TIMEOUT).run();
        if (result.exitCode() != 0) {
            throw new AssertionError(result.describe("expected exit 0") + "\n---- MailCA's log"
                    + " (tail) ----\n" + tail(mailca.logOfCurrentRun(), 60));
        }
    }

    private static Path script(String name, String body) throws IOException {
        var file = tmp.resolve(name);
        Files.writeString(file, "#!/bin/sh\nset -e\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    /**
     * Checks a PEM file of leaf then chain: the leaf names exactly {@code host}, and OpenSSL
     * verifies it up to the corporate root through the chain served with it.
     */
    private static BigInteger assertIssued(Path fullchain, String host) {
        var certificates = certificates(fullchain);
        assertThat(certificates).as(fullchain + " holds the leaf and the intermediate")
                .hasSize(2);
        var leaf = certificates.get(0);
        try {
            assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(2, host));
            var leafPem = Files.createTempFile(tmp, "leaf-", ".pem");
            Files.writeString(leafPem, pem(leaf));
            var result = Command.of(Duration.ofSeconds(30), "openssl", "verify",
                    "-purpose", "sslserver", "-CAfile", rootPem.toString(),
                    "-untrusted", fullchain.toString(), leafPem.toString()).run()
                    .assertSuccess();
            assertThat(result.output()).isEqualTo(leafPem + ": OK\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (CertificateException e) {
            throw new AssertionError(e);
        }
        return leaf.getSerialNumber();
    }

    private static BigInteger assertRenewed(Path fullchain, String host,
            List<BigInteger> earlier) {
        var serial = assertIssued(fullchain, host);
        assertThat(serial).as("a renewal is a new certificate").isNotIn(earlier);
        return serial;
    }

    /** MailCA's audit trail, not the client's word, says the certificate is revoked. */
    private static void assertRevoked(BigInteger serial) {
        var line = "action=certificate.revoked target=serial:" + serial.toString(16) + " ";
        // The line is written before the response; give the log file a moment to show it.
        for (var i = 0; i < 50 && !mailca.logOfCurrentRun().contains(line); i++) {
            sleep(Duration.ofMillis(100));
        }
        assertThat(mailca.logOfCurrentRun()).as("MailCA's audit line for the revocation")
                .contains(line);
    }

    private static List<X509Certificate> certificates(Path pem) {
        try {
            return CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem)))
                    .stream().map(X509Certificate.class::cast).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (CertificateException e) {
            throw new AssertionError(pem + " is not PEM certificates", e);
        }
    }

    private static String pem(X509Certificate certificate) throws CertificateException {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String tail(String text, int lines) {
        var all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Serves a directory over HTTP on the http-01 port, as a mail host's web server would. */
    private record WebRoot(HttpServer server) implements AutoCloseable {

        static WebRoot serve(Path root, int port) throws IOException {
            var server = HttpServer.create(new InetSocketAddress(
                    InetAddress.getLoopbackAddress(), port), 0);
            server.createContext("/", exchange -> {
                var file = root.resolve(exchange.getRequestURI().getPath().substring(1))
                        .normalize();
                if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                    exchange.sendResponseHeaders(404, -1);
                    exchange.close();
                    return;
                }
                var body = Files.readAllBytes(file);
                exchange.sendResponseHeaders(200, body.length);
                try (var out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            return new WebRoot(server);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
