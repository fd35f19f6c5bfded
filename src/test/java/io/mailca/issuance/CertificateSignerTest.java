package io.mailca.issuance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;

class CertificateSignerTest {
    static final String SAN = "2.5.29.17";
    static final String KEY_USAGE = "2.5.29.15";
    static final String BASIC_CONSTRAINTS = "2.5.29.19";
    static final String EKU = "2.5.29.37";
    static final String SKI = "2.5.29.14";
    static final String AKI = "2.5.29.35";
    static final String AIA = "1.3.6.1.5.5.7.1.1";
    static final String CRL_DP = "2.5.29.31";

    @Test
    void leafProfileWithAllPointers() throws Exception {
        var fixture = TestPki.shared();
        var keys = TestPki.p256();
        var notBefore = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        var notAfter = notBefore.plus(90, ChronoUnit.DAYS);
        var serial = new BigInteger("123456789012345678901234567890");

        var leaf = signer(fixture).issue(new LeafRequest(keys.getPublic(),
                List.of("MX1.example.test", "mail.example.org"), notBefore, notAfter, serial,
                "http://ca.example.test/crl/1.crl", "http://ca.example.test/ocsp",
                "http://ca.example.test/issuing-1.cer"));

        assertThat(leaf.getVersion()).isEqualTo(3);
        assertThat(leaf.getSerialNumber()).isEqualTo(serial);
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=mx1.example.test");
        assertThat(leaf.getIssuerX500Principal())
                .isEqualTo(fixture.hierarchy().intermediate().getSubjectX500Principal());
        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(notBefore);
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(notAfter);
        assertThat(leaf.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(leaf.getPublicKey()).isEqualTo(keys.getPublic());

        assertThat(leaf.getCriticalExtensionOIDs())
                .containsExactlyInAnyOrder(KEY_USAGE, BASIC_CONSTRAINTS);
        assertThat(leaf.getNonCriticalExtensionOIDs())
                .containsExactlyInAnyOrder(SAN, EKU, SKI, AKI, AIA, CRL_DP);
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(
                List.of(2, "mx1.example.test"), List.of(2, "mail.example.org"));
        assertThat(leaf.getExtendedKeyUsage())
                .containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(Arrays.copyOf(leaf.getKeyUsage(), 9))
                .containsExactly(true, false, false, false, false, false, false, false, false);
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(SubjectKeyIdentifier.getInstance(HierarchyTest.extension(leaf, SKI))
                .getKeyIdentifier()).isEqualTo(Hierarchy.extensionUtils()
                        .createSubjectKeyIdentifier(keys.getPublic()).getKeyIdentifier());
        assertThat(AuthorityKeyIdentifier.getInstance(HierarchyTest.extension(leaf, AKI))
                .getKeyIdentifier()).isEqualTo(SubjectKeyIdentifier.getInstance(
                        HierarchyTest.extension(fixture.hierarchy().intermediate(), SKI))
                        .getKeyIdentifier());
        assertThat(ExtensionText.accessDescriptions(leaf)).containsExactly(
                "ocsp=http://ca.example.test/ocsp",
                "caIssuers=http://ca.example.test/issuing-1.cer");
        assertThat(ExtensionText.crlDistributionPoints(leaf))
                .containsExactly("http://ca.example.test/crl/1.crl");

        assertThat(TestPki.pkixFailure(fixture.hierarchy().root(), new Date(), leaf,
                fixture.hierarchy().intermediate())).isNull();
    }

    @Test
    void rsaLeafAlsoEnciphersKeysAndPointersAreOptional() throws Exception {
        var fixture = TestPki.shared();
        var keys = KeyAlgorithm.RSA_2048.generate(TestPki.RANDOM);
        var now = Instant.now();

        var leaf = signer(fixture).issue(new LeafRequest(keys.getPublic(),
                List.of("mx2.example.test"), now.minusSeconds(60), now.plusSeconds(86400),
                BigInteger.TEN, null, "", null));

        assertThat(Arrays.copyOf(leaf.getKeyUsage(), 9))
                .containsExactly(true, false, true, false, false, false, false, false, false);
        assertThat(leaf.getNonCriticalExtensionOIDs())
                .containsExactlyInAnyOrder(SAN, EKU, SKI, AKI);
        assertThat(TestPki.pkixFailure(fixture.hierarchy().root(), new Date(), leaf,
                fixture.hierarchy().intermediate())).isNull();
    }

    @Test
    void firstNameTooLongForCommonNameLeavesSubjectEmptyAndSanCritical() throws Exception {
        var fixture = TestPki.shared();
        var longName = "a".repeat(60) + ".example.test";
        var now = Instant.now();

        var leaf = signer(fixture).issue(new LeafRequest(TestPki.p256().getPublic(),
                List.of(longName), now.minusSeconds(60), now.plusSeconds(86400),
                BigInteger.TWO, null, null, null));

        assertThat(leaf.getSubjectX500Principal().getName()).isEmpty();
        assertThat(leaf.getCriticalExtensionOIDs())
                .containsExactlyInAnyOrder(SAN, KEY_USAGE, BASIC_CONSTRAINTS);
        assertThat(TestPki.pkixFailure(fixture.hierarchy().root(), new Date(), leaf,
                fixture.hierarchy().intermediate())).isNull();
    }

    @Test
    void leafStartsNoEarlierThanItsIssuer() throws Exception {
        var fixture = TestPki.shared();
        var issuerStart = fixture.hierarchy().intermediate().getNotBefore().toInstant();

        var leaf = signer(fixture).issue(new LeafRequest(TestPki.p256().getPublic(),
                List.of("mx1.example.test"), issuerStart.minusSeconds(3600),
                issuerStart.plusSeconds(3600), BigInteger.ONE, null, null, null));

        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(issuerStart);
    }

    @Test
    void refusesLeafOutlivingIssuer() throws Exception {
        var fixture = TestPki.shared();
        var issuerEnd = fixture.hierarchy().intermediate().getNotAfter().toInstant();

        assertThatThrownBy(() -> signer(fixture).issue(new LeafRequest(
                TestPki.p256().getPublic(), List.of("mx1.example.test"), Instant.now(),
                issuerEnd.plusSeconds(1), BigInteger.ONE, null, null, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lies outside the issuer's");
    }

    @Test
    void refusesInvalidNamesAndSerials() {
        var key = TestPki.p256().getPublic();
        var now = Instant.now();
        assertThatThrownBy(() -> new LeafRequest(key, List.of("bad_name.example.test"), now,
                now.plusSeconds(1), BigInteger.ONE, null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LeafRequest(key, List.of("mx.example.test"), now,
                now.plusSeconds(1), BigInteger.ZERO, null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("serial must be positive");
    }

    private static CertificateSigner signer(TestPki.Fixture fixture) {
        X509Certificate issuer = fixture.hierarchy().intermediate();
        return new CertificateSigner(fixture.intermediateKey(), issuer, null);
    }
}
