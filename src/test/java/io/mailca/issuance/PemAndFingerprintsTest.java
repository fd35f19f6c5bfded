package io.mailca.issuance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemAndFingerprintsTest {
    @TempDir
    Path dir;

    @Test
    void pemRoundTripWithLfAndFinalNewline() throws Exception {
        var chain = TestPki.shared().hierarchy().chain();

        var pem = Pem.certificates(chain);

        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n")
                .endsWith("-----END CERTIFICATE-----\n")
                .doesNotContain("\r");
        assertThat(pem.lines().filter(line -> !line.startsWith("-----")))
                .allMatch(line -> line.length() <= 64);
        assertThat(Pem.readCertificates(pem)).isEqualTo(chain);
    }

    @Test
    void privateKeyRoundTrip() {
        var keys = TestPki.p256();

        var pem = Pem.privateKey(keys.getPrivate());

        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n")
                .endsWith("-----END PRIVATE KEY-----\n");
        assertThat(Pem.readPrivateKey(pem).getEncoded())
                .isEqualTo(keys.getPrivate().getEncoded());
    }

    @Test
    void fingerprintsMatchOpenssl() throws Exception {
        assumeThat(TestPki.opensslAvailable()).as("openssl binary on PATH").isTrue();
        var root = TestPki.shared().hierarchy().root();
        Files.writeString(dir.resolve("root.pem"), Pem.certificate(root));

        var certificate = TestPki.openssl(dir, "x509", "-in", "root.pem", "-noout",
                "-fingerprint", "-sha256");
        TestPki.openssl(dir, "x509", "-in", "root.pem", "-noout", "-pubkey", "-out",
                "pub.pem");
        TestPki.openssl(dir, "pkey", "-pubin", "-in", "pub.pem", "-outform", "DER", "-out",
                "pub.der");
        var spki = TestPki.openssl(dir, "dgst", "-sha256", "-r", "pub.der");

        assertThat(certificate.output().strip()).isEqualTo("sha256 Fingerprint="
                + Fingerprints.withColons(Fingerprints.sha256Hex(root)));
        assertThat(spki.output().strip())
                .isEqualTo(Fingerprints.spkiSha256Hex(root.getPublicKey()) + " *pub.der");
    }

    @Test
    void serialsClearTheTopBitAndSkipZero() {
        var ones = new SerialNumbers(fixed(0xff));
        var zeroThenOnes = new SerialNumbers(new SecureRandom() {
            private int calls;

            @Override
            public void nextBytes(byte[] bytes) {
                java.util.Arrays.fill(bytes, (byte) (calls++ == 0 ? 0 : 1));
            }
        });

        assertThat(ones.next()).isEqualTo(BigInteger.TWO.pow(127).subtract(BigInteger.ONE));
        assertThat(zeroThenOnes.next()).isEqualTo(new BigInteger("01".repeat(16), 16));
    }

    @Test
    void keyAlgorithmsSignWithTheRightAlgorithm() {
        assertThat(List.of(KeyAlgorithm.values()).stream()
                .map(a -> a + "=" + a.signatureAlgorithm()).toList()).containsExactly(
                "EC_P256=SHA256withECDSA", "EC_P384=SHA384withECDSA",
                "RSA_2048=SHA256withRSA", "RSA_3072=SHA256withRSA", "RSA_4096=SHA256withRSA");
        assertThat(KeyAlgorithm.DEFAULT).isEqualTo(KeyAlgorithm.EC_P256);
        assertThat(KeyAlgorithm.of(KeyAlgorithm.EC_P384.generate(TestPki.RANDOM).getPublic()))
                .isEqualTo(KeyAlgorithm.EC_P384);
    }

    private static SecureRandom fixed(int value) {
        return new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
                java.util.Arrays.fill(bytes, (byte) value);
            }
        };
    }
}
