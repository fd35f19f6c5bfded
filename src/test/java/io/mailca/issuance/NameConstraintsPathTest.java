package io.mailca.issuance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.stream.Stream;

import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Name Constraints of the hierarchy hold against leaves signed with the intermediate key
 * directly, as a compromised or buggy issuing step would sign them: Java's PKIX validator and
 * the real openssl binary must agree on every verdict.
 */
class NameConstraintsPathTest {
    @TempDir
    Path dir;

    static Stream<Arguments> leaves() {
        return Stream.of(
                Arguments.of("ok/mx1.example.test", new X500Name("CN=mx1.example.test"),
                        new GeneralName(GeneralName.dNSName, "mx1.example.test"), null),
                Arguments.of("fail/www.other.test", new X500Name("CN=www.other.test"),
                        new GeneralName(GeneralName.dNSName, "www.other.test"),
                        "permitted subtree violation"),
                Arguments.of("fail/ip-san-only", new X500Name(new RDN[0]),
                        new GeneralName(GeneralName.iPAddress, "192.0.2.25"),
                        "excluded subtree violation"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("leaves")
    void javaPkix(String name, X500Name subject, GeneralName san, String opensslError)
            throws Exception {
        var fixture = TestPki.shared();
        var leaf = leaf(fixture, subject, san);

        var failure = TestPki.pkixFailure(fixture.hierarchy().root(), new Date(), leaf,
                fixture.hierarchy().intermediate());

        if (opensslError == null) {
            assertThat(failure).isNull();
        } else {
            assertThat(failure).isEqualTo("name constraints check failed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("leaves")
    void openssl(String name, X500Name subject, GeneralName san, String opensslError)
            throws Exception {
        assumeTrue(TestPki.opensslAvailable(), "openssl binary not on PATH");
        var fixture = TestPki.shared();
        var leaf = leaf(fixture, subject, san);
        write("root.pem", fixture.hierarchy().root());
        write("intermediate.pem", fixture.hierarchy().intermediate());
        write("leaf.pem", leaf);

        var result = TestPki.openssl(dir, "verify", "-CAfile", "root.pem",
                "-untrusted", "intermediate.pem", "leaf.pem");

        if (opensslError == null) {
            assertThat(result.exitCode()).as(result.output()).isZero();
            assertThat(result.output()).isEqualTo("leaf.pem: OK\n");
        } else {
            assertThat(result.exitCode()).as(result.output()).isNotZero();
            assertThat(result.output()).contains(opensslError);
        }
    }

    private static X509Certificate leaf(TestPki.Fixture fixture, X500Name subject,
            GeneralName san) throws Exception {
        return TestPki.rawLeaf(fixture.hierarchy().intermediate(), fixture.intermediateKey(),
                TestPki.p256().getPublic(), subject, san);
    }

    private void write(String file, X509Certificate certificate) throws Exception {
        Files.writeString(dir.resolve(file), Pem.certificate(certificate));
    }
}
