package io.mailca.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

import io.mailca.dns.DnsClient;
import io.mailca.testsupport.KnotServer;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * tls-alpn-01 against a real TLS server of the test's own: a JDK {@link SSLServerSocket} that,
 * like an ACME client's responder, picks its certificate by the SNI it is sent and answers ALPN
 * {@code acme-tls/1}. Each host name of the Knot zone gets a certificate with one flaw.
 */
class TlsAlpn01ValidatorTest {

    private static final String KEY_AUTH = "tok_en-1.Z8vq0hNmNkOe2hA5dT8WzXkT1yPpGm0b9oOqQm6eW3c";
    private static final Duration TIMEOUT = Duration.ofMillis(1500);
    private static final String ZONE = "example.test";
    private static final String NO_ALPN = "noalpn." + ZONE;

    private static KnotServer knot;
    private static DnsClient dns;
    private static SSLServerSocket server;
    private static int port;
    private static TlsAlpn01Validator validator;
    private static final Map<String, Served> served = new ConcurrentHashMap<>();
    private static final Map<String, List<String>> offered = new ConcurrentHashMap<>();
    private static final List<Socket> held = new ArrayList<>();

    /** A certificate and its key, served to one SNI name. */
    private record Served(X509Certificate certificate, PrivateKey key) {
    }

    @BeforeAll
    static void start() throws Exception {
        knot = KnotServer.builder().zone(ZONE, KnotServer.soa(ZONE) + """
                ok A 127.0.0.1
                upper A 127.0.0.1
                digest A 127.0.0.1
                noncritical A 127.0.0.1
                obsolete A 127.0.0.1
                twosans A 127.0.0.1
                othername A 127.0.0.1
                noext A 127.0.0.1
                short A 127.0.0.1
                noalpn A 127.0.0.1
                meta A 169.254.169.254
                """).start();
        dns = new DnsClient(knot.address(), Duration.ofSeconds(2));

        var digest = TlsAlpn01Validator.sha256(KEY_AUTH);
        var right = new DEROctetString(digest).getEncoded();
        serve("ok." + ZONE, List.of("ok." + ZONE), ACME_ID, true, right);
        serve("upper." + ZONE, List.of("UPPER.Example.TEST"), ACME_ID, true, right);
        serve("digest." + ZONE, List.of("digest." + ZONE), ACME_ID, true,
                new DEROctetString(TlsAlpn01Validator.sha256("other")).getEncoded());
        serve("noncritical." + ZONE, List.of("noncritical." + ZONE), ACME_ID, false, right);
        serve("obsolete." + ZONE, List.of("obsolete." + ZONE), OBSOLETE_ID, true, right);
        serve("twosans." + ZONE, List.of("twosans." + ZONE, "ok." + ZONE), ACME_ID, true, right);
        serve("othername." + ZONE, List.of("ok." + ZONE), ACME_ID, true, right);
        serve("noext." + ZONE, List.of("noext." + ZONE), null, true, right);
        serve("short." + ZONE, List.of("short." + ZONE), ACME_ID, true,
                new DEROctetString(new byte[16]).getEncoded());
        serve(NO_ALPN, List.of(NO_ALPN), ACME_ID, true, right);

        var context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {new BySni()}, null, null);
        server = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        port = server.getLocalPort();
        var acceptor = new Thread(TlsAlpn01ValidatorTest::accept, "test-tls-alpn");
        acceptor.setDaemon(true);
        acceptor.start();
        validator = new TlsAlpn01Validator(dns, port, TIMEOUT, Duration.ofSeconds(1), true);
    }

    @AfterAll
    static void stop() throws IOException {
        if (validator != null) {
            validator.close();
        }
        if (server != null) {
            server.close();
        }
        synchronized (held) {
            for (var s : held) {
                s.close();
            }
        }
        if (knot != null) {
            knot.close();
        }
    }

    private static final ASN1ObjectIdentifier ACME_ID =
            new ASN1ObjectIdentifier(TlsAlpn01Validator.ACME_IDENTIFIER);
    private static final ASN1ObjectIdentifier OBSOLETE_ID =
            new ASN1ObjectIdentifier(TlsAlpn01Validator.OBSOLETE_ACME_IDENTIFIER);

    /** A self-signed P-256 certificate as RFC 8737 §3 describes, with the given flaws. */
    private static void serve(String sni, List<String> sans, ASN1ObjectIdentifier oid,
            boolean critical, byte[] extnValue) throws Exception {
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        var name = new X500Name("CN=ACME tls-alpn-01 test");
        var now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                java.util.Date.from(now.minusSeconds(60)),
                java.util.Date.from(now.plusSeconds(3600)), name, keys.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                sans.stream().map(n -> new GeneralName(GeneralName.dNSName, n))
                        .toArray(GeneralName[]::new)));
        if (oid != null) {
            builder.addExtension(oid, critical, extnValue);
        }
        var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate());
        var certificate = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        served.put(sni, new Served(certificate, keys.getPrivate()));
    }

    /** Handshakes each connection on its own thread, choosing ALPN by SNI. */
    private static void accept() {
        while (!server.isClosed()) {
            try {
                var socket = (SSLSocket) server.accept();
                synchronized (held) {
                    held.add(socket);
                }
                socket.setHandshakeApplicationProtocolSelector((s, protocols) -> {
                    var sni = sni(s);
                    offered.put(sni, List.copyOf(protocols));
                    // A server that ignores ALPN, as an ordinary HTTPS server would.
                    return sni.equals(NO_ALPN) ? "" : "acme-tls/1";
                });
                var handshake = new Thread(() -> {
                    try {
                        socket.startHandshake();
                        socket.getInputStream().read();
                    } catch (IOException e) {
                        // The validator hung up or the handshake failed; either is its story.
                    }
                });
                handshake.setDaemon(true);
                handshake.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static String sni(SSLSocket socket) {
        var session = (ExtendedSSLSession) socket.getHandshakeSession();
        return session.getRequestedServerNames().stream()
                .filter(SNIHostName.class::isInstance)
                .map(n -> ((SNIHostName) n).getAsciiName())
                .findFirst().orElse("");
    }

    /** Serves the certificate made for the SNI name the client sent. */
    private static final class BySni extends X509ExtendedKeyManager {

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            if (!"EC".equals(keyType)) {
                return null;
            }
            var sni = sni((SSLSocket) socket);
            return served.containsKey(sni) ? sni : null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            var s = served.get(alias);
            return s == null ? null : new X509Certificate[] {s.certificate()};
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            var s = served.get(alias);
            return s == null ? null : s.key();
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return served.keySet().toArray(String[]::new);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    static Stream<Arguments> cases() {
        var incorrect = "Incorrect validation certificate for the tls-alpn-01 challenge from ";
        return Stream.of(
                Arguments.of("ok/validation certificate", "ok." + ZONE,
                        ValidationOutcome.success()),
                Arguments.of("ok/dNSName in another case", "upper." + ZONE,
                        ValidationOutcome.success()),
                Arguments.of("ok/identifier in upper case", "OK.EXAMPLE.TEST",
                        ValidationOutcome.success()),
                Arguments.of("fail/wrong digest", "digest." + ZONE,
                        ValidationOutcome.invalid("incorrectResponse", incorrect
                                + where("digest") + ": the acmeIdentifier extension holds"
                                + " another digest than SHA-256 of the key authorization \""
                                + KEY_AUTH + "\"")),
                Arguments.of("fail/extension not critical", "noncritical." + ZONE,
                        ValidationOutcome.invalid("unauthorized", incorrect
                                + where("noncritical") + ": the acmeIdentifier extension is not"
                                + " marked critical")),
                Arguments.of("fail/obsolete oid", "obsolete." + ZONE,
                        ValidationOutcome.invalid("unauthorized", incorrect
                                + where("obsolete") + ": it carries the obsolete acmeIdentifier"
                                + " extension 1.3.6.1.5.5.7.1.30.1 of a draft; RFC 8737 uses"
                                + " 1.3.6.1.5.5.7.1.31")),
                Arguments.of("fail/two sans", "twosans." + ZONE,
                        ValidationOutcome.invalid("unauthorized", incorrect + where("twosans")
                                + ": its subjectAltName must hold exactly one entry, the dNSName"
                                + " twosans.example.test; it holds twosans.example.test,"
                                + " ok.example.test")),
                Arguments.of("fail/san of another name", "othername." + ZONE,
                        ValidationOutcome.invalid("unauthorized", incorrect
                                + where("othername") + ": its subjectAltName must hold exactly"
                                + " one entry, the dNSName othername.example.test; it holds"
                                + " ok.example.test")),
                Arguments.of("fail/no acmeIdentifier", "noext." + ZONE,
                        ValidationOutcome.invalid("unauthorized", incorrect + where("noext")
                                + ": the acmeIdentifier extension (1.3.6.1.5.5.7.1.31) is"
                                + " missing")),
                Arguments.of("fail/digest of 16 bytes", "short." + ZONE,
                        ValidationOutcome.invalid("unauthorized", incorrect + where("short")
                                + ": the acmeIdentifier extension does not hold a DER OCTET"
                                + " STRING of 32 bytes")),
                Arguments.of("fail/no alpn negotiated", NO_ALPN,
                        ValidationOutcome.invalid("unauthorized", "The server at "
                                + where("noalpn") + " did not negotiate the ALPN protocol"
                                + " \"acme-tls/1\"")),
                Arguments.of("fail/no certificate for the sni", "nope." + ZONE,
                        ValidationOutcome.invalid("dns", "DNS problem: NXDOMAIN looking up A for"
                                + " nope.example.test - check that a DNS record exists for this"
                                + " name")),
                Arguments.of("fail/link-local address", "meta." + ZONE,
                        ValidationOutcome.invalid("connection", "meta.example.test has only"
                                + " loopback, link-local or other addresses that are not"
                                + " contacted for validation")),
                Arguments.of("fail/ip identifier", "127.0.0.1",
                        ValidationOutcome.invalid("malformed", "\"127.0.0.1\" is not a domain"
                                + " name that tls-alpn-01 can validate")));
    }

    private static String where(String label) {
        return label + "." + ZONE + " (127.0.0.1) port " + port;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void validate(String name, String domain, ValidationOutcome expected) {
        var started = System.nanoTime();

        var outcome = validator.validate(domain, KEY_AUTH);

        assertThat(outcome).isEqualTo(expected);
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(TIMEOUT.plusSeconds(1));
    }

    @Test
    void offersExactlyAcmeTls1AndSendsTheIdentifierAsSni() {
        assertThat(validator.validate("ok." + ZONE, KEY_AUTH).valid()).isTrue();

        assertThat(offered.get("ok." + ZONE)).containsExactly("acme-tls/1");
    }

    @Test
    void refusesLoopbackUnlessAllowed() {
        try (var strict = new TlsAlpn01Validator(dns, port, TIMEOUT, Duration.ofSeconds(1),
                false)) {
            assertThat(strict.validate("ok." + ZONE, KEY_AUTH)).isEqualTo(
                    ValidationOutcome.invalid("connection", "ok.example.test has only loopback,"
                            + " link-local or other addresses that are not contacted for"
                            + " validation"));
        }
    }

    @Test
    void serverThatNeverAnswersEndsWithinTheTimeLimit() throws IOException {
        try (var silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // Accept connections and keep them open without a byte of answer.
            var acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        var s = silent.accept();
                        synchronized (held) {
                            held.add(s);
                        }
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            var started = System.nanoTime();

            try (var v = new TlsAlpn01Validator(dns, silent.getLocalPort(),
                    Duration.ofSeconds(1), Duration.ofSeconds(1), true)) {
                assertThat(v.validate("ok." + ZONE, KEY_AUTH)).isEqualTo(
                        ValidationOutcome.invalid("connection", "Connecting to ok.example.test"
                                + " (127.0.0.1) port " + silent.getLocalPort() + ": no TLS"
                                + " handshake completed within the time limit"));
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void refusedConnectionIsAConnectionProblem() throws IOException {
        int closedPort;
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (var v = new TlsAlpn01Validator(dns, closedPort, TIMEOUT, Duration.ofSeconds(1),
                true)) {
            assertThat(v.validate("ok." + ZONE, KEY_AUTH)).isEqualTo(
                    ValidationOutcome.invalid("connection", "Connecting to ok.example.test"
                            + " (127.0.0.1) port " + closedPort + ": connection refused or"
                            + " unreachable"));
        }
    }
}
