package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CRL (RFC 5280 §5) and OCSP (RFC 6960) against the running server, checked by the real
 * {@code openssl}: a certificate is good, then revoked over ACME, and both the OCSP responder
 * and the CRL say so within seconds.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class RevocationStatusTest {
    private static final Duration WITHIN = Duration.ofSeconds(10);
    private static String publicBase;
    private static Path dir;

    @BeforeAll
    static void fetchCaCertificates() throws IOException {
        publicBase = "http://localhost:" + AcmeTestServers.httpPort();
        dir = Files.createTempDirectory("revocation-status");
        Files.writeString(dir.resolve("root.pem"), get("/ca/root.pem"));
        Files.writeString(dir.resolve("intermediate.pem"), get("/ca/intermediate.pem"));
    }

    @Test
    void leavesAndIntermediatePointAtTheRevocationServices() throws Exception {
        var issued = issue("mx1.example.test", "leaf-pointers.pem");

        var text = openssl("x509", "-in", issued.toString(), "-noout", "-ext",
                "crlDistributionPoints,authorityInfoAccess").stdout();
        assertThat(text).contains("URI:" + publicBase + "/crl/intermediate-1.crl")
                .contains("OCSP - URI:" + publicBase + "/ocsp")
                .contains("CA Issuers - URI:" + publicBase + "/ca/intermediate.der");
        var intermediate = openssl("x509", "-in", dir.resolve("intermediate.pem").toString(),
                "-noout", "-ext", "crlDistributionPoints").stdout();
        // The port is the one of the run that created the CA: target/test-data keeps its keys.
        assertThat(intermediate).containsPattern("URI:http://localhost:\\d+/crl/root.crl\n");

        // The root's CRL, signed by the root, lists no intermediate: none is revoked.
        var rootCrl = crl("root");
        var verified = openssl("crl", "-in", rootCrl.toString(), "-noout", "-CAfile",
                dir.resolve("root.pem").toString());
        assertThat(verified.stderr()).contains("verify OK");
        assertThat(openssl("crl", "-in", rootCrl.toString(), "-noout", "-text").stdout())
                .contains("No Revoked Certificates.");
    }

    @Test
    void goodThenRevokedInOcspAndCrl() throws Exception {
        var account = AcmeHttp.register();
        var revoked = Issuance.issue(account, "mx1.example.test");
        var kept = Issuance.issue(account, "pop1.example.test");
        var revokedPem = write("revoked.pem", revoked.leaf());
        var keptPem = write("kept.pem", kept.leaf());
        var before = crlNumber(crl("intermediate-1"));

        var good = ocsp("-cert", revokedPem.toString());
        assertThat(good.stdout()).contains(revokedPem + ": good");
        assertThat(good.stderr()).contains("Response verify OK");
        assertThat(nonces(good.stdout())).as("request nonce echoed in the response")
                .hasSize(2).satisfies(n -> assertThat(n.get(1)).isEqualTo(n.get(0)));

        var reply = account.post(AcmeHttp.REVOKE_CERT, AcmeHttp.json(Map.of(
                "certificate", AccountKey.base64url(revoked.der()), "reason", 1)));
        assertThat(reply.status()).as("%s", reply).isEqualTo(200);

        var status = await(() -> ocsp("-cert", revokedPem.toString()),
                r -> r.stdout().contains(revokedPem + ": revoked"));
        assertThat(status.stdout()).contains("Reason: keyCompromise")
                .containsPattern("Revocation Time: \\w{3} +\\d+ \\d\\d:\\d\\d:\\d\\d \\d{4} GMT");
        assertThat(status.stderr()).contains("Response verify OK");
        assertThat(ocsp("-cert", keptPem.toString()).stdout()).contains(keptPem + ": good");

        var serial = revoked.leaf().getSerialNumber().toString(16).toUpperCase();
        var crl = await(() -> crl("intermediate-1"), file -> crlText(file)
                .contains("Serial Number: " + evenLength(serial)));
        var text = crlText(crl);
        assertThat(crlNumber(crl)).as("CRL number after the revocation")
                .isGreaterThan(before);
        assertThat(text).contains("X509v3 CRL Reason Code: \n                Key Compromise");
        var signed = openssl("crl", "-in", crl.toString(), "-noout", "-CAfile",
                dir.resolve("intermediate.pem").toString());
        assertThat(signed.stderr()).contains("verify OK");

        var refused = verify(crl, revokedPem);
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stdout() + refused.stderr()).contains("certificate revoked");
        var accepted = verify(crl, keptPem);
        assertThat(accepted.exitCode()).as("%s", accepted).isZero();
        assertThat(accepted.stdout()).contains(keptPem + ": OK");
    }

    @Test
    void unknownForASerialMailcaNeverIssued() throws Exception {
        var result = ocsp("-serial", "0x1234567890abcdef");

        assertThat(result.stdout()).contains("0x1234567890abcdef: unknown");
        assertThat(result.stderr()).contains("Response verify OK");
    }

    @Test
    void getRequestWithNonceIsAnsweredBySignerWithOcspSigningAndNoCheck() throws Exception {
        var issued = Issuance.issue(AcmeHttp.register(), "mx1.example.test");
        var intermediate = Issuance.parseChain(Files.readString(dir.resolve("intermediate.pem")))
                .get(0);
        var id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build()
                .get(CertificateID.HASH_SHA1), new JcaX509CertificateHolder(intermediate),
                issued.leaf().getSerialNumber());
        var nonce = new DEROctetString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        var request = new OCSPReqBuilder().addRequest(id).setRequestExtensions(new Extensions(
                new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false, nonce)))
                .build().getEncoded();
        var encoded = URLEncoder.encode(Base64.getEncoder().encodeToString(request),
                StandardCharsets.US_ASCII);

        var reply = send(HttpRequest.newBuilder(URI.create(publicBase + "/ocsp/" + encoded))
                .GET());

        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(reply.headers().firstValue("Content-Type")).hasValue(
                "application/ocsp-response");
        var response = new OCSPResp(reply.body());
        assertThat(response.getStatus()).isEqualTo(OCSPResp.SUCCESSFUL);
        var basic = (BasicOCSPResp) response.getResponseObject();
        assertThat(basic.getResponses()[0].getCertStatus()).as("good is a null status")
                .isNull();
        assertThat(basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce).getExtnValue())
                .isEqualTo(nonce);
        var signer = new JcaX509CertificateConverter().getCertificate(basic.getCerts()[0]);
        assertThat(basic.isSignatureValid(new JcaContentVerifierProviderBuilder()
                .build(signer.getPublicKey()))).isTrue();
        signer.verify(intermediate.getPublicKey());
        assertThat(signer.getExtendedKeyUsage()).containsExactly(
                KeyPurposeId.id_kp_OCSPSigning.getId());
        assertThat(signer.getNonCriticalExtensionOIDs())
                .contains(OCSPObjectIdentifiers.id_pkix_ocsp_nocheck.getId());
        assertThat(signer.getBasicConstraints()).isEqualTo(-1);
        var lifetime = Duration.between(signer.getNotBefore().toInstant(),
                signer.getNotAfter().toInstant());
        assertThat(lifetime).as("short-lived: 4 days plus the 5 minutes of backdating")
                .isEqualTo(Duration.ofDays(4));
    }

    @Test
    void malformedRequestsGetMalformedRequestNotAnHttpError() throws Exception {
        var post = send(HttpRequest.newBuilder(URI.create(publicBase + "/ocsp"))
                .header("Content-Type", "application/ocsp-request")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {0x30, 0x03, 1, 2})));
        var get = send(HttpRequest.newBuilder(URI.create(publicBase + "/ocsp/not%20base64!"))
                .GET());
        var empty = send(HttpRequest.newBuilder(URI.create(publicBase + "/ocsp"))
                .POST(HttpRequest.BodyPublishers.noBody()));

        for (var reply : List.of(post, get, empty)) {
            assertThat(reply.statusCode()).isEqualTo(200);
            // RFC 6960 §4.2.1: OCSPResponseStatus malformedRequest (1), no response bytes.
            assertThat(new OCSPResp(reply.body()).getStatus())
                    .isEqualTo(OCSPResp.MALFORMED_REQUEST);
            assertThat(reply.body()).containsExactly(0x30, 0x03, 0x0a, 0x01, 0x01);
        }
    }

    @Test
    void unknownCrlIsNotFound() throws Exception {
        var reply = send(HttpRequest.newBuilder(URI.create(publicBase + "/crl/nothing.crl"))
                .GET());

        assertThat(reply.statusCode()).isEqualTo(404);
    }

    private static Path issue(String name, String file) throws IOException {
        return write(file, Issuance.issue(AcmeHttp.register(), name).leaf());
    }

    private static Command.Result ocsp(String... target) {
        var args = new ArrayList<>(List.of("ocsp", "-issuer",
                dir.resolve("intermediate.pem").toString(), "-url", publicBase + "/ocsp",
                "-CAfile", dir.resolve("root.pem").toString(), "-resp_text", "-req_text"));
        args.addAll(List.of(target));
        return openssl(args.toArray(String[]::new));
    }

    /** The OCSP nonces openssl prints: the request's first, then the response's. */
    private static List<String> nonces(String text) {
        var matcher = Pattern.compile("OCSP Nonce: ?\\s*\\n\\s*([0-9A-F]+)").matcher(text);
        var found = new ArrayList<String>();
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }

    private static Command.Result verify(Path crl, Path leaf) {
        return openssl("verify", "-crl_check", "-CRLfile", crl.toString(), "-CAfile",
                dir.resolve("root.pem").toString(), "-untrusted",
                dir.resolve("intermediate.pem").toString(), leaf.toString());
    }

    /** Fetches a CRL (DER, as served) and stores it as PEM for openssl's -CRLfile. */
    private static Path crl(String id) throws IOException {
        var reply = send(HttpRequest.newBuilder(URI.create(publicBase + "/crl/" + id + ".crl"))
                .GET());
        assertThat(reply.statusCode()).as("GET /crl/%s.crl", id).isEqualTo(200);
        assertThat(reply.headers().firstValue("Content-Type")).hasValue("application/pkix-crl");
        var der = Files.createTempFile(dir, id, ".crl");
        Files.write(der, reply.body());
        var pem = Path.of(der + ".pem");
        var converted = openssl("crl", "-inform", "DER", "-in", der.toString(), "-out",
                pem.toString());
        assertThat(converted.exitCode()).as("%s", converted).isZero();
        return pem;
    }

    private static String crlText(Path pem) {
        return openssl("crl", "-in", pem.toString(), "-noout", "-text").stdout();
    }

    private static BigInteger crlNumber(Path pem) {
        var matcher = Pattern.compile("X509v3 CRL Number: ?\\s*\\n\\s*(\\d+)")
                .matcher(crlText(pem));
        assertThat(matcher.find()).as("a CRL number").isTrue();
        return new BigInteger(matcher.group(1));
    }

    private static String evenLength(String hex) {
        return hex.length() % 2 == 0 ? hex : "0" + hex;
    }

    private static Path write(String name, X509Certificate certificate) throws IOException {
        var file = dir.resolve(name);
        Files.writeString(file, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64,
                "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der(certificate))
                + "\n-----END CERTIFICATE-----\n");
        return file;
    }

    private static byte[] der(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String get(String path) {
        var reply = AcmeHttp.get(publicBase + path);
        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        return reply.body();
    }

    private static HttpResponse<byte[]> send(HttpRequest.Builder request) {
        try {
            return AcmeHttp.client().send(request.build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("cannot send " + request.build().uri(), e);
        }
    }

    private static Command.Result openssl(String... args) {
        var argv = new ArrayList<>(List.of("openssl"));
        argv.addAll(List.of(args));
        return Command.run(argv);
    }

    private interface Check<T> {
        T call() throws Exception;
    }

    private static <T> T await(Check<T> check, Predicate<T> done) throws Exception {
        var deadline = System.nanoTime() + WITHIN.toNanos();
        while (true) {
            var value = check.call();
            if (done.test(value)) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WITHIN + ": " + value);
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }

    /** One openssl run. */
    private static final class Command {
        record Result(int exitCode, String stdout, String stderr) {
        }

        static Result run(List<String> argv) {
            try {
                var process = new ProcessBuilder(argv).start();
                process.getOutputStream().close();
                var out = process.getInputStream().readAllBytes();
                var err = process.getErrorStream().readAllBytes();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("timed out: " + argv);
                }
                return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                        new String(err, StandardCharsets.UTF_8));
            } catch (IOException | InterruptedException e) {
                throw new AssertionError("cannot run " + argv, e);
            }
        }
    }
}
