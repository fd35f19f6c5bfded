package io.mailca.issuance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HierarchyTest {
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    static Hierarchy hierarchy;

    @BeforeAll
    static void create(@TempDir Path dir) throws Exception {
        var keyStore = CaKeyStore.open(dir, "secret".toCharArray(), TestPki.RANDOM);
        var profile = new CaProfile("Example Corp", List.of("Example.TEST", "mail.example.org"),
                null, "http://ca.example.test/root.crl", " ", "http://ca.example.test/root.cer");
        hierarchy = Hierarchy.create(profile, keyStore, CLOCK, TestPki.RANDOM);
    }

    @Test
    void subjectsAndIssuers() {
        assertThat(hierarchy.root().getSubjectX500Principal().getName())
                .isEqualTo("CN=Example Corp Mail Root CA,O=Example Corp");
        assertThat(hierarchy.root().getIssuerX500Principal())
                .isEqualTo(hierarchy.root().getSubjectX500Principal());
        assertThat(hierarchy.intermediate().getSubjectX500Principal().getName())
                .isEqualTo("CN=Example Corp Mail Issuing CA 1,O=Example Corp");
        assertThat(hierarchy.intermediate().getIssuerX500Principal())
                .isEqualTo(hierarchy.root().getSubjectX500Principal());
        assertThat(hierarchy.root().getVersion()).isEqualTo(3);
        assertThat(hierarchy.root().getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(hierarchy.intermediate().getSigAlgName()).isEqualTo("SHA256withECDSA");
    }

    @Test
    void bothCarryExactlyTheNameConstraints() throws Exception {
        for (var certificate : List.of(hierarchy.root(), hierarchy.intermediate())) {
            assertThat(certificate.getCriticalExtensionOIDs()).contains("2.5.29.30");
            var constraints = nameConstraints(certificate);
            assertThat(subtrees(constraints.getPermittedSubtrees()))
                    .containsExactly("dNSName:example.test", "dNSName:mail.example.org");
            assertThat(subtrees(constraints.getExcludedSubtrees())).containsExactly(
                    "iPAddress:0000000000000000",
                    "iPAddress:" + "00".repeat(32));
        }
    }

    @Test
    void basicConstraintsAndKeyUsage() {
        // Java reports "CA without pathLen" as Integer.MAX_VALUE, a leaf as -1.
        assertThat(hierarchy.root().getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
        assertThat(hierarchy.intermediate().getBasicConstraints()).isZero();
        for (var certificate : List.of(hierarchy.root(), hierarchy.intermediate())) {
            assertThat(certificate.getCriticalExtensionOIDs())
                    .containsExactlyInAnyOrder("2.5.29.19", "2.5.29.15", "2.5.29.30");
            // digitalSignature..decipherOnly: only keyCertSign (5) and cRLSign (6).
            assertThat(Arrays.copyOf(certificate.getKeyUsage(), 9))
                    .containsExactly(false, false, false, false, false, true, true, false, false);
        }
    }

    @Test
    void validityIsTwentyAndTenYears() {
        assertThat(hierarchy.root().getNotBefore().toInstant()).isEqualTo(NOW);
        assertThat(hierarchy.root().getNotAfter().toInstant())
                .isEqualTo(Instant.parse("2046-03-01T12:00:00Z"));
        assertThat(hierarchy.intermediate().getNotBefore().toInstant()).isEqualTo(NOW);
        assertThat(hierarchy.intermediate().getNotAfter().toInstant())
                .isEqualTo(Instant.parse("2036-03-01T12:00:00Z"));
    }

    @Test
    void keyIdentifiersLinkIntermediateToRoot() {
        var rootSki = SubjectKeyIdentifier.getInstance(
                extension(hierarchy.root(), "2.5.29.14")).getKeyIdentifier();
        var aki = AuthorityKeyIdentifier.getInstance(
                extension(hierarchy.intermediate(), "2.5.29.35"));
        assertThat(aki.getKeyIdentifier()).isEqualTo(rootSki);
        assertThat(aki.getAuthorityCertIssuer()).isNull();
        assertThat(hierarchy.root().getExtensionValue("2.5.29.35")).isNull();
        assertThat(hierarchy.intermediate().getExtensionValue("2.5.29.14")).isNotNull();
    }

    @Test
    void intermediatePointsOnlyAtConfiguredUrls() throws Exception {
        // The OCSP URL was blank: AIA carries caIssuers alone.
        assertThat(ExtensionText.accessDescriptions(hierarchy.intermediate()))
                .containsExactly("caIssuers=http://ca.example.test/root.cer");
        assertThat(ExtensionText.crlDistributionPoints(hierarchy.intermediate()))
                .containsExactly("http://ca.example.test/root.crl");
        assertThat(hierarchy.root().getExtensionValue("1.3.6.1.5.5.7.1.1")).isNull();
        assertThat(hierarchy.root().getExtensionValue("2.5.29.31")).isNull();
    }

    @Test
    void serialsArePositiveAndLong() {
        for (var certificate : List.of(hierarchy.root(), hierarchy.intermediate())) {
            assertThat(certificate.getSerialNumber().signum()).isOne();
            assertThat(certificate.getSerialNumber().bitLength()).isGreaterThan(64);
        }
        assertThat(hierarchy.root().getSerialNumber())
                .isNotEqualTo(hierarchy.intermediate().getSerialNumber());
    }

    @Test
    void signaturesVerify() throws Exception {
        hierarchy.root().verify(hierarchy.root().getPublicKey());
        hierarchy.intermediate().verify(hierarchy.root().getPublicKey());
    }

    @Test
    void keystoreHoldsBothKeysAndRefusesASecondHierarchy(@TempDir Path dir) throws Exception {
        var keyStore = CaKeyStore.open(dir, null, TestPki.RANDOM);
        var profile = new CaProfile("Example Corp", List.of("example.test"), null, null, null,
                null);
        var created = Hierarchy.create(profile, keyStore, CLOCK, TestPki.RANDOM);

        var reopened = CaKeyStore.open(dir, null, TestPki.RANDOM);
        assertThat(Hierarchy.load(reopened)).isEqualTo(created);
        assertThat(reopened.chain(Hierarchy.INTERMEDIATE_ALIAS))
                .containsExactly(created.intermediate(), created.root());
        assertThat(created.intermediate().getExtensionValue("1.3.6.1.5.5.7.1.1")).isNull();
        assertThat(created.intermediate().getExtensionValue("2.5.29.31")).isNull();
        assertThatThrownBy(() -> Hierarchy.create(profile, reopened, CLOCK, TestPki.RANDOM))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already holds a CA hierarchy");
    }

    @Test
    void rsaBootstrap(@TempDir Path dir) throws Exception {
        var keyStore = CaKeyStore.open(dir, null, TestPki.RANDOM);
        var profile = new CaProfile("Example Corp", List.of("example.test"),
                KeyAlgorithm.RSA_2048, null, null, null);
        var created = Hierarchy.create(profile, keyStore, CLOCK, TestPki.RANDOM);

        assertThat(created.root().getSigAlgName()).isEqualTo("SHA256withRSA");
        assertThat(created.intermediate().getSigAlgName()).isEqualTo("SHA256withRSA");
        assertThat(KeyAlgorithm.of(created.intermediate().getPublicKey()))
                .isEqualTo(KeyAlgorithm.RSA_2048);
        created.intermediate().verify(created.root().getPublicKey());
        assertThat(TestPki.pkixFailure(created.root(), java.util.Date.from(NOW),
                created.intermediate())).isNull();
    }

    @Test
    void profileRefusesNoDomains() {
        assertThatThrownBy(() -> new CaProfile("Example Corp", List.of(), null, null, null,
                null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("at least one permitted mail domain is needed");
    }

    static NameConstraints nameConstraints(X509Certificate certificate) {
        return NameConstraints.getInstance(extension(certificate, "2.5.29.30"));
    }

    static byte[] extension(X509Certificate certificate, String oid) {
        var value = certificate.getExtensionValue(oid);
        assertThat(value).as("extension " + oid).isNotNull();
        return ASN1OctetString.getInstance(value).getOctets();
    }

    private static List<String> subtrees(GeneralSubtree[] subtrees) {
        return Arrays.stream(subtrees).map(subtree -> {
            assertThat(subtree.getMinimum()).isZero();
            assertThat(subtree.getMaximum()).isNull();
            var name = subtree.getBase();
            return switch (name.getTagNo()) {
                case GeneralName.dNSName -> "dNSName:" + name.getName();
                case GeneralName.iPAddress -> "iPAddress:" + HexFormat.of().formatHex(
                        ASN1OctetString.getInstance(name.getName()).getOctets());
                default -> "other:" + name;
            };
        }).toList();
    }
}
