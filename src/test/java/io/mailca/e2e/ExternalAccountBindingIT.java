package io.mailca.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mailca.testsupport.KnotServer;
import io.mailca.testsupport.MailcaProcess;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * External Account Binding end to end on the packaged server with
 * {@code external-account-required=true} and the embedded store: the token command run while
 * the server holds the store open, EAB keys from the admin API, certbot refused without a
 * binding and served with one ({@code --eab-kid --eab-hmac-key}), lego served with one
 * ({@code --eab --kid --hmac}), and the audit chain verified by the command.
 */
class ExternalAccountBindingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @Test
    @Timeout(900)
    void certbotAndLegoBindAccountsWithKeysFromTheAdminApi(@TempDir Path tmp) throws Exception {
        try (var knot = KnotServer.builder().zone(KnotServer.EXAMPLE_TEST,
                KnotServer.soa(KnotServer.EXAMPLE_TEST) + "mx1 A 127.0.0.1\nmx2 A 127.0.0.1\n")
                .start();
                var mailca = MailcaProcess.builder().domains("example.test")
                        .dnsResolver(knot.address())
                        .env("MAILCA_ACME_EXTERNAL_ACCOUNT_REQUIRED", "true").start()) {
            var http = client(mailca.serviceCaPem());
            var admin = "https://localhost:" + mailca.sslPort() + "/admin/v1";

            // 1. A token from the command line while the server holds the embedded store.
            var created = mailcaCommand(mailca, "token", "create", "--role=operator",
                    "--name=e2e").assertSuccess();
            var token = created.output().lines().filter(l -> l.startsWith("mca_"))
                    .findFirst().orElseThrow(() -> new AssertionError(created.output()));
            assertThat(get(http, admin + "/ca", token).statusCode()).isEqualTo(200);

            // 2. The directory says so, and certbot without a binding is refused.
            var directory = JSON.readTree(get(http, mailca.directoryUrl(), null).body());
            assertThat(directory.at("/meta/externalAccountRequired").booleanValue()).isTrue();
            var certbot = new Certbot(tmp.resolve("certbot"), mailca);
            var refused = certbot.run("register", "--server", mailca.directoryUrl(),
                    "--agree-tos", "-m", "postmaster@example.test");
            assertThat(refused.exitCode()).isNotZero();
            // certbot reads meta.externalAccountRequired and refuses before asking.
            assertThat(refused.output() + certbot.lastRunLog())
                    .contains("Server requires external account binding");

            // 3. certbot with a binding.
            var forCertbot = eabKey(http, admin, token);
            certbot.run("certonly", "--server", mailca.directoryUrl(), "--standalone",
                    "--http-01-port", String.valueOf(mailca.http01Port()),
                    "--http-01-address", "127.0.0.1", "-d", "mx1.example.test",
                    "--agree-tos", "-m", "postmaster@example.test",
                    "--eab-kid", forCertbot.at("/info/kid").asText(),
                    "--eab-hmac-key", forCertbot.get("hmacKey").asText()).assertSuccess();

            // 4. lego with a binding, trusting MailCA's HTTPS issuer.
            var forLego = eabKey(http, admin, token);
            var env = new HashMap<String, String>();
            env.put("LEGO_CA_CERTIFICATES", mailca.serviceCaPem().toString());
            new Command(List.of("lego", "--server", mailca.directoryUrl(), "--accept-tos",
                    "--email", "postmaster@example.test", "--eab",
                    "--kid", forLego.at("/info/kid").asText(),
                    "--hmac", forLego.get("hmacKey").asText(),
                    "--domains", "mx2.example.test", "--http",
                    "--http.port", "127.0.0.1:" + mailca.http01Port(),
                    "--path", tmp.resolve("lego").toString(), "run"), env, TIMEOUT).run()
                    .assertSuccess();
            assertThat(tmp.resolve("lego/certificates/mx2.example.test.crt")).isRegularFile();

            // 5. Both keys are bound, each to its own account; both certificates are listed.
            var keys = JSON.readTree(get(http, admin + "/eab-keys", token).body()).get("items");
            for (var kid : List.of(forCertbot.at("/info/kid").asText(),
                    forLego.at("/info/kid").asText())) {
                var key = find(keys, "kid", kid);
                assertThat(key.get("accountId").isTextual()).as("%s", key).isTrue();
            }
            for (var host : List.of("mx1.example.test", "mx2.example.test")) {
                var found = JSON.readTree(get(http, admin + "/certificates?host=" + host, token)
                        .body()).get("items");
                assertThat(found).hasSize(1);
                assertThat(found.get(0).get("names").get(0).asText()).isEqualTo(host);
            }

            // 6. The audit chain holds every step.
            var verified = mailcaCommand(mailca, "audit", "verify").assertSuccess();
            assertThat(verified.output()).contains("audit chain intact");
        }
    }

    private static JsonNode find(JsonNode items, String field, String value) {
        for (var item : items) {
            if (value.equals(item.path(field).asText())) {
                return item;
            }
        }
        throw new AssertionError("no item with " + field + "=" + value + " in " + items);
    }

    private static JsonNode eabKey(HttpClient http, String admin, String token)
            throws Exception {
        var response = http.send(HttpRequest.newBuilder(URI.create(admin + "/eab-keys"))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"label\":\"e2e\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> get(HttpClient http, String url, String token)
            throws Exception {
        var request = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code java -jar quarkus-run.jar ARGS} with the server's environment, beside it. */
    private static Command.Result mailcaCommand(MailcaProcess mailca, String... args) {
        var argv = new ArrayList<String>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        argv.add("-jar");
        argv.add(Path.of(System.getProperty("mailca.jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath().toString());
        argv.addAll(List.of(args));
        return new Command(argv, mailca.env(), TIMEOUT).run();
    }

    private static HttpClient client(Path trusted) throws Exception {
        var store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(trusted)) {
            var i = 0;
            for (var certificate : CertificateFactory.getInstance("X.509")
                    .generateCertificates(in)) {
                store.setCertificateEntry("ca" + i++, certificate);
            }
        }
        var trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        var ssl = SSLContext.getInstance("TLS");
        ssl.init(null, trust.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10))
                .build();
    }
}
