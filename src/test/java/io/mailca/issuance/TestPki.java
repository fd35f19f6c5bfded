package io.mailca.issuance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/** Shared fixtures: a hierarchy made once per JVM, raw leaf signing, PKIX and openssl. */
final class TestPki {
    static final SecureRandom RANDOM = new SecureRandom();
    static final List<String> DOMAINS = List.of("example.test", "mail.example.org");

    /** Created with the real clock so openssl, which checks the current time, accepts it. */
    private static Fixture shared;

    record Fixture(Path dataDir, CaKeyStore keyStore, Hierarchy hierarchy,
            PrivateKey intermediateKey) {
    }

    private TestPki() {
    }

    static synchronized Fixture shared() throws IOException {
        if (shared == null) {
            var dir = Files.createTempDirectory("mailca-pki");
            var keyStore = CaKeyStore.open(dir, null, RANDOM);
            var profile = new CaProfile("Example Corp", DOMAINS, KeyAlgorithm.EC_P256,
                    "http://ca.example.test/crl/1.crl", "http://ca.example.test/ocsp",
                    "http://ca.example.test/root.cer");
            var hierarchy = Hierarchy.create(profile, keyStore, Clock.systemUTC(), RANDOM);
            shared = new Fixture(dir, keyStore, hierarchy,
                    keyStore.privateKey(Hierarchy.INTERMEDIATE_ALIAS));
        }
        return shared;
    }

    static KeyPair p256() {
        return KeyAlgorithm.EC_P256.generate(RANDOM);
    }

    /** A leaf signed directly with the issuer key, bypassing every MailCA rule. */
    static X509Certificate rawLeaf(X509Certificate issuer, PrivateKey issuerKey,
            PublicKey subjectKey, X500Name subject, GeneralName... sans) throws Exception {
        var now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(issuer, new SerialNumbers(RANDOM).next(),
                Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(86400)), subject,
                subjectKey);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.subjectAlternativeName, subject.getRDNs().length == 0,
                new GeneralNames(sans));
        return ContentSigners.toJca(builder.build(ContentSigners.of(issuerKey,
                KeyAlgorithm.of(issuer.getPublicKey()), null)));
    }

    /** Java's PKIX validation with revocation checking off; null when the path is valid. */
    static String pkixFailure(X509Certificate anchor, Date at, X509Certificate... path)
            throws Exception {
        var certPath = CertificateFactory.getInstance("X.509").generateCertPath(List.of(path));
        var parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(at);
        try {
            CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
            return null;
        } catch (CertPathValidatorException e) {
            return e.getMessage();
        }
    }

    static boolean opensslAvailable() {
        try {
            return new ProcessBuilder("openssl", "version").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Runs openssl; returns exit code and merged output. */
    static Result openssl(Path dir, String... arguments) throws Exception {
        var command = new java.util.ArrayList<String>();
        command.add("openssl");
        command.addAll(List.of(arguments));
        var process = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).start();
        var output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("openssl hung");
        }
        return new Result(process.exitValue(), output);
    }

    record Result(int exitCode, String output) {
    }
}
