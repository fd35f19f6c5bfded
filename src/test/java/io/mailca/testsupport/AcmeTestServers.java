package io.mailca.testsupport;

import io.mailca.issuance.Pem;
import io.mailca.issuance.ServiceTls;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Everything a {@code @QuarkusTest} of the ACME server needs outside the JVM: the HTTPS
 * certificate files (which Quarkus reads at start), a real Knot DNS server answering every
 * name of {@code example.test} with 127.0.0.1, and the JVM's PostgreSQL cluster.
 *
 * <p>Every test class names it with {@code restrictToAnnotatedClass = false}, so that all of
 * them share one application start:
 *
 * <pre>{@code
 * @QuarkusTest
 * @QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
 * class NewNonceTest { ... }
 * }</pre>
 *
 * <p>The port on which http-01 validation connects is chosen here and published as the system
 * property {@value #HTTP01_PORT_PROPERTY}: the test resource may live in another class loader
 * than the test, so a static field would not be seen by both. Tests serve the challenge with a
 * JDK {@code HttpServer} on that port. The JVM's default {@link SSLContext} trusts the HTTPS
 * service issuer, so acme4j and {@code java.net.http} clients reach the server as they would in
 * production.
 */
public final class AcmeTestServers implements QuarkusTestResourceLifecycleManager {
    /** Where the test profile keeps MailCA's data ({@code %test.mailca.data-dir}). */
    public static final Path DATA_DIR = Path.of("target/test-data");
    /** The HTTPS certificate files and the service issuer ({@code service-ca.pem}). */
    public static final Path HTTPS_DIR = DATA_DIR.resolve("https");
    /** The system property that carries the http-01 port. */
    public static final String HTTP01_PORT_PROPERTY = "mailca.test.http01-port";
    /** System properties that carry the listeners' ports, free ports chosen at start. */
    public static final String HTTP_PORT_PROPERTY = "mailca.test.http-port";
    public static final String HTTPS_PORT_PROPERTY = "mailca.test.https-port";

    private static KnotServer knot;

    @Override
    public synchronized Map<String, String> start() {
        try {
            ServiceTls.ensure(HTTPS_DIR, List.of("localhost", "127.0.0.1"), Clock.systemUTC());
            SSLContext.setDefault(trusting(HTTPS_DIR.resolve(ServiceTls.ISSUER_FILE)));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not prepare the HTTPS listener's files", e);
        }
        if (knot == null) {
            // Every host of the mail domain points at this machine, where the tests answer.
            knot = KnotServer.builder().zone(KnotServer.EXAMPLE_TEST,
                    KnotServer.soa(KnotServer.EXAMPLE_TEST) + "* A 127.0.0.1\n").start();
            Runtime.getRuntime().addShutdownHook(new Thread(knot::close, "knot-stop"));
        }
        var http01Port = System.getProperty(HTTP01_PORT_PROPERTY);
        if (http01Port == null) {
            http01Port = String.valueOf(freePort());
            System.setProperty(HTTP01_PORT_PROPERTY, http01Port);
        }
        // Free ports rather than fixed ones: a developer's running MailCA or a parallel build
        // must not make the suite fail.
        var httpPort = portProperty(HTTP_PORT_PROPERTY);
        var httpsPort = portProperty(HTTPS_PORT_PROPERTY);
        var pg = PostgresResource.shared();
        var config = new java.util.HashMap<>(Map.of(
                "quarkus.http.test-port", httpPort,
                "quarkus.http.test-ssl-port", httpsPort,
                "mailca.acme.base-url", "https://localhost:" + httpsPort,
                "mailca.public.base-url", "http://localhost:" + httpPort,
                "mailca.dns.resolver", knot.address(),
                "mailca.validation.http01-port", http01Port,
                "quarkus.datasource.jdbc.url", pg.jdbcUrl(),
                "quarkus.datasource.username", pg.username(),
                "quarkus.datasource.password", pg.password()));
        config.putAll(dane());
        return config;
    }

    /** System properties of the DANE zone's server, which DanePublishingTest starts itself. */
    public static final String DANE_DNS_PORT_PROPERTY = "mailca.test.dane-dns-port";
    public static final String DANE_TSIG_SECRET_PROPERTY = "mailca.test.dane-tsig-secret";
    public static final String DANE_SMTP_PORT_PROPERTY = "mailca.test.dane-smtp-port";
    public static final String DANE_SUBMISSION_PORT_PROPERTY = "mailca.test.dane-submission-port";
    /** Where the probe finds IMAP and POP3 (143, 993, 110, 995): DaneProbeDovecotTest's. */
    public static final String DANE_IMAP_PORT_PROPERTY = "mailca.test.dane-imap-port";
    public static final String DANE_IMAPS_PORT_PROPERTY = "mailca.test.dane-imaps-port";
    public static final String DANE_POP3_PORT_PROPERTY = "mailca.test.dane-pop3-port";
    public static final String DANE_POP3S_PORT_PROPERTY = "mailca.test.dane-pop3s-port";
    /**
     * Where the probe finds the services DaneServicesTest's SRV records put on other ports
     * than the standard ones (RFC 7673 §3): IMAP on 1143, IMAPS on 9993, POP3 on 1110 and
     * POP3S on 1995, all served by one Dovecot.
     */
    public static final Map<Integer, String> DANE_SRV_PORT_PROPERTIES = Map.of(
            1143, "mailca.test.dane-srv-imap-port", 9993, "mailca.test.dane-srv-imaps-port",
            1110, "mailca.test.dane-srv-pop3-port", 1995, "mailca.test.dane-srv-pop3s-port");
    /** The port of the HTTPS server that serves MTA-STS policies (RFC 8461 §3.3) in tests. */
    public static final String MTA_STS_PORT_PROPERTY = "mailca.test.mta-sts-port";
    /**
     * The trust-anchor file of MailCA's in-process DNSSEC validator: DanePublishingTest writes
     * the DS of the zone its Knot signs into it, the way an operator anchors an internal zone.
     */
    public static final Path DANE_TRUST_ANCHORS = DATA_DIR.resolve("dane-trust-anchors.txt")
            .toAbsolutePath();

    /**
     * DANE publication into example.test on a port where no server runs until a DANE test
     * starts one (publication jobs run only when a test calls the worker), and the probe
     * pointed at loopback ports where DANE tests serve STARTTLS. DNSSEC is judged the default
     * way, in process, asking that server, with the root KSKs and {@link #DANE_TRUST_ANCHORS}.
     */
    private static Map<String, String> dane() {
        var dnsPort = portProperty(DANE_DNS_PORT_PROPERTY);
        try {
            Files.createDirectories(DANE_TRUST_ANCHORS.getParent());
            if (!Files.exists(DANE_TRUST_ANCHORS)) {
                Files.writeString(DANE_TRUST_ANCHORS, "");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (System.getProperty(DANE_TSIG_SECRET_PROPERTY) == null) {
            var secret = new byte[32];
            new java.security.SecureRandom().nextBytes(secret);
            System.setProperty(DANE_TSIG_SECRET_PROPERTY,
                    java.util.Base64.getEncoder().encodeToString(secret));
        }
        var zone = "mailca.dane.zones.\"example.test\".";
        var dane = new java.util.HashMap<>(Map.of(
                "mailca.dane.validator-upstream", "127.0.0.1:" + dnsPort,
                "mailca.dane.trust-anchor-file", DANE_TRUST_ANCHORS.toString(),
                zone + "server", "127.0.0.1:" + dnsPort,
                zone + "tsig-key-name", "mailca-test.",
                zone + "tsig-secret", System.getProperty(DANE_TSIG_SECRET_PROPERTY),
                zone + "authoritative", "127.0.0.1:" + dnsPort,
                "mailca.dane.probe.address", "127.0.0.1",
                "mailca.dane.probe.port-override.\"25\"", portProperty(DANE_SMTP_PORT_PROPERTY),
                "mailca.dane.probe.port-override.\"587\"",
                portProperty(DANE_SUBMISSION_PORT_PROPERTY)));
        dane.put("mailca.dane.probe.port-override.\"143\"", portProperty(DANE_IMAP_PORT_PROPERTY));
        dane.put("mailca.dane.probe.port-override.\"993\"", portProperty(DANE_IMAPS_PORT_PROPERTY));
        dane.put("mailca.dane.probe.port-override.\"110\"", portProperty(DANE_POP3_PORT_PROPERTY));
        dane.put("mailca.dane.probe.port-override.\"995\"", portProperty(DANE_POP3S_PORT_PROPERTY));
        dane.put("mailca.dane.mta-sts.port", portProperty(MTA_STS_PORT_PROPERTY));
        // A configured host that DanePublishingTest's wildcard certificate covers.
        dane.put("mailca.dane.hosts.\"mx8.mx-pool2.example.test\".ttl", "3600");
        DANE_SRV_PORT_PROPERTIES.forEach((port, property) -> dane.put(
                "mailca.dane.probe.port-override.\"" + port + "\"", portProperty(property)));
        return dane;
    }

    @Override
    public void stop() {
        // Knot and PostgreSQL belong to the JVM: a later application start reuses them.
    }

    private static String portProperty(String name) {
        var port = System.getProperty(name);
        if (port == null) {
            port = String.valueOf(freePort());
            System.setProperty(name, port);
        }
        return port;
    }

    /** The Knot server MailCA resolves through, for tests that add records to example.test. */
    public static KnotServer knot() {
        if (knot == null) {
            throw new IllegalStateException("AcmeTestServers has not started");
        }
        return knot;
    }

    /** The plain-HTTP listener's port, as published by {@link #start()}. */
    public static int httpPort() {
        return Integer.parseInt(System.getProperty(HTTP_PORT_PROPERTY));
    }

    /** The base of the ACME URLs, e.g. {@code https://localhost:PORT/acme}. */
    public static String acmeBase() {
        return "https://localhost:" + System.getProperty(HTTPS_PORT_PROPERTY) + "/acme";
    }

    /** The ACME directory URL. */
    public static String directory() {
        return acmeBase() + "/directory";
    }

    /** The port http-01 validation connects to, as published by {@link #start()}. */
    public static int http01Port() {
        var port = System.getProperty(HTTP01_PORT_PROPERTY);
        if (port == null) {
            throw new IllegalStateException("AcmeTestServers has not started");
        }
        return Integer.parseInt(port);
    }

    /** A TLS context that trusts exactly the certificates in {@code pemFile}. */
    public static SSLContext trusting(Path pemFile) throws IOException, GeneralSecurityException {
        var store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        var i = 0;
        for (var certificate : Pem.readCertificates(Files.readString(pemFile))) {
            store.setCertificateEntry("anchor-" + i++, certificate);
        }
        var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        var context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private static int freePort() {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
