package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.mailca.admin.AdminHttp;
import io.mailca.dane.DaneHealth;
import io.mailca.dane.MtaStsCheck;
import io.mailca.dane.MtaStsCheck.Finding;
import io.mailca.issuance.Pem;
import io.mailca.issuance.ServiceTls;
import io.mailca.registration.Role;
import io.mailca.registration.TokenService;
import io.mailca.testsupport.AcmeTestServers;
import io.mailca.testsupport.KnotServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The MTA-STS warning (RFC 8461): example.test's MX host carries a MailCA certificate; the
 * {@code _mta-sts} TXT record is served by the real Knot server MailCA resolves through, and
 * the policy by a real HTTPS server on loopback at {@code mta-sts.example.test} (which that
 * Knot resolves to 127.0.0.1), whose certificate the test JVM's trust store accepts as the
 * WebPKI would.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class MtaStsWarningTest {
    static final String ZONE = KnotServer.EXAMPLE_TEST;
    static final String MX = "@ MX 30 mx-sts1";
    static final String HOST = "mx-sts1.example.test";
    static final String TXT = "_mta-sts TXT \"v=STSv1; id=20261204T1\"";
    static final String POLICY_HOST = "mta-sts.example.test";

    static HttpsServer server;
    static volatile int status = 200;
    static volatile String policy = "";

    @Inject
    MtaStsCheck check;
    @Inject
    @io.smallrye.health.api.Wellness
    DaneHealth health;
    @Inject
    TokenService tokens;

    @BeforeAll
    static void start() throws Exception {
        server = serve(trusted());
        AcmeTestServers.knot().add(ZONE, MX);
        Issuance.issue(AcmeHttp.register(), HOST);
    }

    @AfterAll
    static void stop() {
        server.stop(0);
        AcmeTestServers.knot().remove(ZONE, MX, TXT);
    }

    /** A certificate for the policy host from the HTTPS service issuer, which the JVM trusts. */
    static SSLContext trusted() throws Exception {
        var dir = Files.createTempDirectory("mta-sts");
        for (var file : List.of(ServiceTls.ISSUER_FILE, ServiceTls.ISSUER_KEY_FILE)) {
            Files.copy(AcmeTestServers.HTTPS_DIR.resolve(file), dir.resolve(file));
        }
        return context(ServiceTls.ensure(dir, List.of(POLICY_HOST), Clock.systemUTC()));
    }

    /** A certificate for the policy host from a new issuer nobody trusts. */
    static SSLContext untrusted() throws Exception {
        var dir = Files.createTempDirectory("mta-sts-untrusted");
        return context(ServiceTls.ensure(dir, List.of(POLICY_HOST), Clock.systemUTC()));
    }

    static SSLContext context(ServiceTls files) throws Exception {
        var chain = Pem.readCertificates(Files.readString(files.chainFile()));
        var key = Pem.readPrivateKey(Files.readString(files.keyFile()));
        var store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("policy", key, new char[0], chain.toArray(new X509Certificate[0]));
        var keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        var context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    static HttpsServer serve(SSLContext tls) throws Exception {
        var https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                Integer.getInteger(AcmeTestServers.MTA_STS_PORT_PROPERTY)), 10);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        https.createContext("/.well-known/mta-sts.txt", exchange -> {
            var body = policy.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        https.start();
        return https;
    }

    static String policy(String mode) {
        return "version: STSv1\r\nmode: " + mode + "\r\nmx: " + HOST + "\r\nmax_age: 86400\r\n";
    }

    Finding finding() {
        var found = check.check(Instant.now()).stream().filter(f -> f.domain().equals(ZONE))
                .toList();
        return found.isEmpty() ? null : found.get(0);
    }

    Object healthData() {
        return health.call().getData().map(d -> d.get("mta-sts " + ZONE)).orElse(null);
    }

    @Test
    void enforceWarnsTestingNotesNoneAndAbsentSayNothing() throws Exception {
        // No _mta-sts record: nothing to say.
        status = 200;
        policy = policy("enforce");
        assertThat(finding()).isNull();
        assertThat(healthData()).isNull();

        // Enforce: a warning in the log, the health check (DOWN) and the admin API.
        AcmeTestServers.knot().replace(ZONE, TXT);
        var enforce = finding();
        assertThat(enforce.mode()).isEqualTo("enforce");
        assertThat(enforce.warning()).isTrue();
        assertThat(enforce.id()).isEqualTo("20261204T1");
        assertThat(enforce.mxHosts()).contains(HOST);
        assertThat(enforce.message()).startsWith("MTA-STS ENFORCE for example.test: senders"
                + " that enforce its policy refuse mail to [").contains(HOST);
        var check = health.call();
        assertThat(check.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(check.getData().orElseThrow().get("mta-sts " + ZONE))
                .isEqualTo(enforce.message());
        var viewer = AdminHttp.token(tokens, Role.VIEWER);
        var view = AdminHttp.get("/dane/hosts/" + HOST, viewer).json().get("mtaSts");
        assertThat(view).hasSize(1);
        assertThat(view.get(0).get("domain").asText()).isEqualTo(ZONE);
        assertThat(view.get(0).get("mode").asText()).isEqualTo("enforce");
        assertThat(view.get(0).get("warning").asBoolean()).isTrue();
        var domains = AdminHttp.get("/dane/mta-sts", viewer).json().get("domains");
        assertThat(domains.get(0).get("message").asText()).isEqualTo(enforce.message());

        // Testing: a note, which alone does not turn the check DOWN.
        policy = policy("testing");
        var testing = finding();
        assertThat(testing.mode()).isEqualTo("testing");
        assertThat(testing.warning()).isFalse();
        assertThat(testing.message()).startsWith("MTA-STS testing for example.test: senders"
                + " deliver but report failed validation of [");
        assertThat(healthData()).isEqualTo(testing.message());

        // None withdraws the policy: nothing to say.
        policy = policy("none");
        assertThat(finding()).isNull();
        assertThat(healthData()).isNull();
        assertThat(AdminHttp.get("/dane/hosts/" + HOST, viewer).json().get("mtaSts"))
                .isEmpty();

        // A TXT record whose policy cannot be fetched: the mode is unknown, so warn.
        status = 404;
        var missing = finding();
        assertThat(missing.mode()).isNull();
        assertThat(missing.warning()).isTrue();
        assertThat(missing.message()).startsWith("MTA-STS policy of example.test could not be"
                + " read from https://mta-sts.example.test/.well-known/mta-sts.txt (answered 404"
                + " instead of 200), though example.test publishes an _mta-sts TXT record (id"
                + " 20261204T1). If its mode is enforce, senders refuse mail to [");

        // RFC 8461 §3.3: a policy over 64 KiB is refused, however it goes on.
        status = 200;
        policy = policy("enforce") + "comment: " + "x".repeat(64 * 1024) + "\r\n";
        assertThat(finding().message()).contains("(the policy is larger than 64 KiB (RFC 8461"
                + " §3.3))");

        // Served with a certificate the WebPKI (here: the JVM's trust store) does not accept.
        status = 200;
        policy = policy("enforce");
        server.stop(0);
        server = serve(untrusted());
        var untrusted = finding();
        assertThat(untrusted.mode()).isNull();
        assertThat(untrusted.warning()).isTrue();
        assertThat(untrusted.message()).contains("could not be read").contains("PKIX");

        // The TXT record goes: nothing to say, whatever the server holds.
        AcmeTestServers.knot().remove(ZONE, TXT);
        assertThat(finding()).isNull();
    }
}
