package io.mailca.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** CRL and OCSP URLs written into leaves: derived from the public base unless configured. */
class IssuerUrlsTest {
    @Test
    void ok_derivedFromThePublicBaseUrl() {
        var ca = authority(Optional.empty(), Optional.empty(), "http://pki.example.test/");

        assertThat(ca.crlUrl("intermediate-1"))
                .isEqualTo("http://pki.example.test/crl/intermediate-1.crl");
        assertThat(ca.crlUrl("root")).isEqualTo("http://pki.example.test/crl/root.crl");
        assertThat(ca.ocspUrl()).isEqualTo("http://pki.example.test/ocsp");
    }

    @Test
    void ok_configuredUrlsWinAndNameTheIssuer() {
        var ca = authority(Optional.of("http://cdn.example.test/mailca/{issuer-id}.crl"),
                Optional.of("http://ocsp.example.test"), "http://pki.example.test");

        assertThat(ca.crlUrl("intermediate-1"))
                .isEqualTo("http://cdn.example.test/mailca/intermediate-1.crl");
        assertThat(ca.ocspUrl()).isEqualTo("http://ocsp.example.test");
    }

    @Test
    void ok_blankMeansDefault() {
        var ca = authority(Optional.of(" "), Optional.of(""), "http://pki.example.test");

        assertThat(ca.crlUrl("root")).isEqualTo("http://pki.example.test/crl/root.crl");
        assertThat(ca.ocspUrl()).isEqualTo("http://pki.example.test/ocsp");
    }

    private static CertificateAuthority authority(Optional<String> crlUrl,
            Optional<String> ocspUrl, String publicBase) {
        var settings = new CertificateAuthority.Settings("unused", List.of("example.test"),
                "Example", KeyAlgorithm.EC_P256, Optional.empty(), Optional.<Path>empty(),
                crlUrl, ocspUrl, publicBase, Duration.ofDays(90), "PKCS12", Optional.empty(),
                Optional.empty(), Optional.empty());
        return new CertificateAuthority(settings, null, Clock.systemUTC());
    }
}
