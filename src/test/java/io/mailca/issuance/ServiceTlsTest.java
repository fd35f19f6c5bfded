package io.mailca.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceTlsTest {
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final List<String> NAMES = List.of("localhost", "127.0.0.1", "::1");

    @TempDir
    Path dir;

    @Test
    void createsIssuerAndLeafWithPrivateKeys() throws Exception {
        var result = ServiceTls.ensure(dir, NAMES, CLOCK, TestPki.RANDOM);

        assertThat(result.leafIssued()).isTrue();
        assertThat(result.chainFile()).isEqualTo(dir.resolve("https-chain.pem"));
        assertThat(mode("https-key.pem")).isEqualTo("rw-------");
        assertThat(mode("service-ca-key.pem")).isEqualTo("rw-------");
        assertThat(mode("service-ca.pem")).isEqualTo("rw-r--r--");
        var chain = chain();
        assertThat(chain).hasSize(2);
        var leaf = chain.get(0);
        var issuer = issuer();
        assertThat(chain.get(1)).isEqualTo(issuer);
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(
                List.of(2, "localhost"), List.of(7, "127.0.0.1"),
                List.of(7, "0:0:0:0:0:0:0:1"));
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)));
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(365)));
        assertThat(Pem.readPrivateKey(Files.readString(dir.resolve("https-key.pem"))))
                .isNotNull();
        assertThat(TestPki.pkixFailure(issuer, Date.from(NOW), leaf)).isNull();
    }

    @Test
    void serviceIssuerIsNotACorporateRoot() throws Exception {
        ServiceTls.ensure(dir, NAMES, CLOCK, TestPki.RANDOM);
        var issuer = issuer();
        var corporate = TestPki.shared().hierarchy();

        assertThat(issuer.getSubjectX500Principal().getName())
                .isEqualTo("CN=MailCA HTTPS service issuer (not for mail)");
        assertThat(issuer.getPublicKey()).isNotEqualTo(corporate.root().getPublicKey())
                .isNotEqualTo(corporate.intermediate().getPublicKey());
        // Not below the corporate root either: neither CA certificate signed it.
        assertThat(TestPki.pkixFailure(corporate.root(), Date.from(NOW), chain().get(0),
                corporate.intermediate())).isNotNull();
        assertThat(issuer.getBasicConstraints()).isZero();
        assertThat(issuer.getExtensionValue("2.5.29.30")).isNull();
    }

    @Test
    void secondEnsureKeepsEverything() throws Exception {
        ServiceTls.ensure(dir, NAMES, CLOCK, TestPki.RANDOM);
        var before = snapshot();

        var second = ServiceTls.ensure(dir, List.of("LOCALHOST", "::1", "[127.0.0.1]"),
                Clock.offset(CLOCK, Duration.ofDays(300)), TestPki.RANDOM);

        assertThat(second.leafIssued()).isFalse();
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void namesChangedReissuesLeafAndKeepsIssuer() throws Exception {
        ServiceTls.ensure(dir, NAMES, CLOCK, TestPki.RANDOM);
        var before = snapshot();

        var second = ServiceTls.ensure(dir, List.of("mailca.example.test", "localhost"),
                CLOCK, TestPki.RANDOM);

        assertThat(second.leafIssued()).isTrue();
        var after = snapshot();
        assertThat(after.get(0)).isEqualTo(before.get(0));
        assertThat(after.get(1)).isEqualTo(before.get(1));
        assertThat(after.get(2)).isNotEqualTo(before.get(2));
        assertThat(after.get(3)).isNotEqualTo(before.get(3));
        assertThat(chain().get(0).getSubjectAlternativeNames()).containsExactly(
                List.of(2, "mailca.example.test"), List.of(2, "localhost"));
    }

    @Test
    void reissuesWithinThirtyDaysOfExpiry() throws Exception {
        ServiceTls.ensure(dir, NAMES, CLOCK, TestPki.RANDOM);
        var leafEnd = chain().get(0).getNotAfter().toInstant();

        var at31 = ServiceTls.ensure(dir, NAMES,
                Clock.fixed(leafEnd.minus(Duration.ofDays(31)), ZoneOffset.UTC), TestPki.RANDOM);
        var at29 = ServiceTls.ensure(dir, NAMES,
                Clock.fixed(leafEnd.minus(Duration.ofDays(29)), ZoneOffset.UTC), TestPki.RANDOM);

        assertThat(at31.leafIssued()).isFalse();
        assertThat(at29.leafIssued()).isTrue();
        assertThat(chain().get(0).getNotAfter().toInstant())
                .isEqualTo(leafEnd.minus(Duration.ofDays(29)).plus(Duration.ofDays(365)));
    }

    @Test
    void missingKeyReissuesLeaf() throws Exception {
        ServiceTls.ensure(dir, NAMES, CLOCK, TestPki.RANDOM);
        Files.delete(dir.resolve("https-key.pem"));

        assertThat(ServiceTls.ensure(dir, NAMES, CLOCK, TestPki.RANDOM).leafIssued()).isTrue();
        assertThat(TestPki.pkixFailure(issuer(), Date.from(NOW), chain().get(0))).isNull();
    }

    private List<X509Certificate> chain() throws Exception {
        return Pem.readCertificates(Files.readString(dir.resolve("https-chain.pem")));
    }

    private X509Certificate issuer() throws Exception {
        return Pem.readCertificates(Files.readString(dir.resolve("service-ca.pem"))).get(0);
    }

    private String mode(String file) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(file)));
    }

    private List<String> snapshot() throws Exception {
        var result = new java.util.ArrayList<String>();
        for (var file : List.of("service-ca.pem", "service-ca-key.pem", "https-chain.pem",
                "https-key.pem")) {
            result.add(Files.readString(dir.resolve(file)));
        }
        return result;
    }
}
