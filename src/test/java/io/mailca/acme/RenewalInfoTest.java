package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.registration.RenewalInfo;
import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** RFC 9773: the renewalInfo resource, its certID, and {@code replaces} in newOrder. */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class RenewalInfoTest {
    private static final String RENEWAL_INFO = AcmeHttp.BASE + "/renewal-info";

    @Inject
    RenewalInfo renewalInfo;

    @Test
    void directoryNamesTheRenewalInfoBase() {
        var directory = AcmeHttp.get(AcmeHttp.DIRECTORY).json();

        assertThat(directory.get("renewalInfo").asText()).isEqualTo(RENEWAL_INFO);
    }

    @Test
    void certIdComputedByOpensslGivesTheDefaultWindow() throws Exception {
        var account = AcmeHttp.register();
        var leaf = Issuance.issue(account, "mx1.example.test").leaf();
        var certId = opensslCertId(leaf);

        var reply = AcmeHttp.get(RENEWAL_INFO + "/" + certId);

        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        assertThat(reply.header("Content-Type")).isEqualTo("application/json");
        assertThat(reply.header("Retry-After")).isEqualTo("21600");
        var notBefore = leaf.getNotBefore().toInstant();
        // 90 days: the window runs from day 60 to day 75.
        var window = reply.json().get("suggestedWindow");
        assertThat(window.get("start").asText())
                .isEqualTo(notBefore.plus(Duration.ofDays(60)).toString());
        assertThat(window.get("end").asText())
                .isEqualTo(notBefore.plus(Duration.ofDays(75)).toString());
    }

    @Test
    void malformedCertIdsAre400Malformed() {
        var account = AcmeHttp.register();
        var leaf = Issuance.issue(account, "mx2.example.test").leaf();
        var aki = certId(leaf).split("\\.")[0];
        var serial = leaf.getSerialNumber().toByteArray();
        // One zero octet more than DER allows.
        var padded = new byte[serial.length + 1];
        System.arraycopy(serial, 0, padded, 1, serial.length);

        for (var bad : List.of("no-dot-here", aki + ".AQ.AQ", aki + ".", "." + b64(serial),
                aki + "." + b64(serial) + "==", aki + "." + b64(padded),
                aki + "." + b64(new byte[] {(byte) 0x80, 1}), "a+b.AQ")) {
            var reply = AcmeHttp.get(RENEWAL_INFO + "/" + bad.replace("+", "%2B"));

            assertThat(reply.status()).as("%s: %s", bad, reply).isEqualTo(400);
            assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(reply.problemType()).as(bad).isEqualTo(AcmeHttp.ERROR + "malformed");
        }
    }

    @Test
    void unknownCertificatesAre404() {
        var account = AcmeHttp.register();
        var leaf = Issuance.issue(account, "mx3.example.test").leaf();
        var parts = certId(leaf).split("\\.");
        // The leaf's own key identifier in place of its issuer's.
        var wrongAki = b64(subjectKeyId(leaf)) + "." + parts[1];
        var unknownSerial = parts[0] + "." + b64(new byte[] {0x11, 0x22, 0x33});

        for (var id : List.of(wrongAki, unknownSerial)) {
            var reply = AcmeHttp.get(RENEWAL_INFO + "/" + id);

            assertThat(reply.status()).as("%s: %s", id, reply).isEqualTo(404);
            assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "malformed");
        }
    }

    @Test
    void operatorMovesTheWindowEarlier() {
        var account = AcmeHttp.register();
        var leaf = Issuance.issue(account, "smtp1.example.test").leaf();
        var start = Instant.now().truncatedTo(ChronoUnit.SECONDS).plus(Duration.ofHours(1));
        var end = start.plus(Duration.ofHours(2));

        renewalInfo.moveWindow(leaf.getSerialNumber().toString(16), start, end, "test");

        var window = AcmeHttp.get(RENEWAL_INFO + "/" + certId(leaf)).json()
                .get("suggestedWindow");
        assertThat(window.get("start").asText()).isEqualTo(start.toString());
        assertThat(window.get("end").asText()).isEqualTo(end.toString());
    }

    @Test
    void revokedCertificateIsDueAtOnce() {
        var account = AcmeHttp.register();
        var issued = Issuance.issue(account, "smtp3.example.test");
        var before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        var revoked = account.post(AcmeHttp.REVOKE_CERT, AcmeHttp.json(Map.of("certificate",
                AccountKey.base64url(issued.der()))));
        assertThat(revoked.status()).as("%s", revoked).isEqualTo(200);
        var after = Instant.now();

        var window = AcmeHttp.get(RENEWAL_INFO + "/" + certId(issued.leaf())).json()
                .get("suggestedWindow");

        var start = Instant.parse(window.get("start").asText());
        assertThat(start).isBetween(before, after);
        assertThat(Instant.parse(window.get("end").asText()))
                .isEqualTo(start.plus(Duration.ofMinutes(1)));
    }

    @Test
    void replacesIsReflectedAndASecondReplacementIsAlreadyReplaced() {
        var account = AcmeHttp.register();
        var leaf = Issuance.issue(account, "mx4.example.test").leaf();
        var certId = certId(leaf);

        var first = account.post(AcmeHttp.NEW_ORDER, OrderFlows.payload(
                Map.of("replaces", certId), "mx4.example.test"));
        var second = account.post(AcmeHttp.NEW_ORDER, OrderFlows.payload(
                Map.of("replaces", certId), "mx4.example.test"));

        assertThat(first.status()).as("%s", first).isEqualTo(201);
        assertThat(first.json().get("replaces").asText()).isEqualTo(certId);
        assertThat(account.postAsGet(first.location()).json().get("replaces").asText())
                .isEqualTo(certId);
        assertThat(second.status()).as("%s", second).isEqualTo(409);
        assertThat(second.problemType()).isEqualTo(AcmeHttp.ERROR + "alreadyReplaced");
    }

    @Test
    void anInvalidReplacementFreesTheCertificateAgain() {
        var account = AcmeHttp.register();
        var leaf = Issuance.issue(account, "mx5.example.test").leaf();
        var certId = certId(leaf);
        var first = account.post(AcmeHttp.NEW_ORDER, OrderFlows.payload(
                Map.of("replaces", certId), "mx5.example.test"));
        var authz = first.json().get("authorizations").get(0).asText();
        account.post(authz, "{\"status\":\"deactivated\"}");
        assertThat(account.postAsGet(first.location()).json().get("status").asText())
                .isEqualTo("invalid");

        var again = account.post(AcmeHttp.NEW_ORDER, OrderFlows.payload(
                Map.of("replaces", certId), "mx5.example.test"));

        assertThat(again.status()).as("%s", again).isEqualTo(201);
    }

    @Test
    void replacesIsRefusedWithAClearProblem() {
        var account = AcmeHttp.register();
        var leaf = Issuance.issue(account, "mx6.example.test").leaf();
        var certId = certId(leaf);
        var stranger = AcmeHttp.register();

        var otherAccount = stranger.post(AcmeHttp.NEW_ORDER, OrderFlows.payload(
                Map.of("replaces", certId), "mx6.example.test"));
        var noOverlap = account.post(AcmeHttp.NEW_ORDER, OrderFlows.payload(
                Map.of("replaces", certId), "mx7.example.test"));
        var unknown = account.post(AcmeHttp.NEW_ORDER, OrderFlows.payload(
                Map.of("replaces", certId.split("\\.")[0] + ".ESIz"), "mx6.example.test"));
        var garbage = account.post(AcmeHttp.NEW_ORDER, OrderFlows.payload(
                Map.of("replaces", "not a certID"), "mx6.example.test"));
        var notString = account.post(AcmeHttp.NEW_ORDER, OrderFlows.payload(
                Map.of("replaces", 42), "mx6.example.test"));

        assertThat(otherAccount.status()).as("%s", otherAccount).isEqualTo(403);
        assertThat(otherAccount.problemType()).isEqualTo(AcmeHttp.ERROR + "unauthorized");
        assertThat(otherAccount.json().get("detail").asText())
                .isEqualTo("replaces names a certificate of another account");
        assertThat(noOverlap.status()).as("%s", noOverlap).isEqualTo(400);
        assertThat(noOverlap.problemType()).isEqualTo(AcmeHttp.ERROR + "malformed");
        assertThat(noOverlap.json().get("detail").asText()).isEqualTo("replaces names a"
                + " certificate for mx6.example.test, which shares no identifier with this"
                + " order");
        assertThat(unknown.status()).as("%s", unknown).isEqualTo(400);
        assertThat(unknown.json().get("detail").asText())
                .isEqualTo("replaces names no certificate MailCA issued");
        for (var reply : List.of(garbage, notString)) {
            assertThat(reply.status()).as("%s", reply).isEqualTo(400);
            assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "malformed");
        }
    }

    /** The certID as RFC 9773 §4.1 builds it, from openssl's reading of the certificate. */
    private static String opensslCertId(X509Certificate leaf) throws Exception {
        var file = Files.createTempFile("leaf", ".der");
        try {
            Files.write(file, leaf.getEncoded());
            var process = new ProcessBuilder("openssl", "x509", "-inform", "DER", "-in",
                    file.toString(), "-noout", "-serial", "-ext", "authorityKeyIdentifier")
                    .redirectErrorStream(true).start();
            var out = new String(process.getInputStream().readAllBytes(),
                    StandardCharsets.US_ASCII);
            assertThat(process.waitFor()).as(out).isZero();
            var serial = match("serial=([0-9A-F]+)", out);
            var keyId = match("Authority Key Identifier:\\s*(?:keyid:)?([0-9A-F:]+)", out)
                    .replace(":", "");
            var serialBytes = HexFormat.of().parseHex(serial.length() % 2 == 0 ? serial
                    : "0" + serial);
            if ((serialBytes[0] & 0x80) != 0) {
                // DER INTEGER content of a positive number: a leading zero octet.
                var withZero = new byte[serialBytes.length + 1];
                System.arraycopy(serialBytes, 0, withZero, 1, serialBytes.length);
                serialBytes = withZero;
            }
            return b64(HexFormat.of().parseHex(keyId)) + "." + b64(serialBytes);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String match(String regex, String text) throws IOException {
        var matcher = Pattern.compile(regex).matcher(text);
        if (!matcher.find()) {
            throw new IOException("no " + regex + " in: " + text);
        }
        return matcher.group(1);
    }

    /** The certID from Java's own reading of the certificate. */
    static String certId(X509Certificate leaf) {
        var aki = org.bouncycastle.asn1.x509.AuthorityKeyIdentifier.getInstance(
                org.bouncycastle.asn1.ASN1OctetString.getInstance(
                        leaf.getExtensionValue("2.5.29.35")).getOctets()).getKeyIdentifier();
        return b64(aki) + "." + b64(leaf.getSerialNumber().toByteArray());
    }

    private static byte[] subjectKeyId(X509Certificate leaf) {
        var octets = org.bouncycastle.asn1.ASN1OctetString.getInstance(
                leaf.getExtensionValue("2.5.29.14")).getOctets();
        return org.bouncycastle.asn1.ASN1OctetString.getInstance(octets).getOctets();
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
