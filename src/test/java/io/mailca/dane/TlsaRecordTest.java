package io.mailca.dane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLSA association data against what openssl computes from the same certificates. */
class TlsaRecordTest {
    @TempDir
    static Path dir;
    static Openssl openssl;

    @BeforeAll
    static void certificates() {
        openssl = new Openssl(dir);
        openssl.ca("ca");
        openssl.leaf("ec", "mx1.example.test", "ca", "-algorithm EC -pkeyopt"
                + " ec_paramgen_curve:P-256", 30);
        openssl.leaf("rsa", "mx1.example.test", "ca", "-algorithm RSA -pkeyopt"
                + " rsa_keygen_bits:2048", 30);
    }

    @Test
    void ok_daneEeSpkiSha256() {
        for (var name : new String[] {"ec", "rsa"}) {
            var record = TlsaRecord.of(3, 1, 1, openssl.read(name + ".pem"));
            assertThat(record.toString()).isEqualTo("3 1 1 " + openssl.spkiDigest(name, "sha256"));
        }
    }

    @Test
    void ok_daneEeSpkiSha512() {
        assertThat(TlsaRecord.of(3, 1, 2, openssl.read("ec.pem")).data())
                .isEqualTo(openssl.spkiDigest("ec", "sha512"));
    }

    @Test
    void ok_daneTaFullCertificate() {
        assertThat(TlsaRecord.of(2, 0, 1, openssl.read("ca.pem")).toString())
                .isEqualTo("2 0 1 " + openssl.certDigest("ca", "sha256"));
        assertThat(TlsaRecord.of(3, 0, 2, openssl.read("ec.pem")).data())
                .isEqualTo(openssl.certDigest("ec", "sha512"));
    }

    @Test
    void ok_parseAndMatch() {
        var text = "2 1 1 " + openssl.spkiDigest("ca", "sha256").toUpperCase();
        var record = TlsaRecord.parse(text);
        assertThat(record.matches(openssl.read("ca.pem"))).isTrue();
        assertThat(record.matches(openssl.read("ec.pem"))).isFalse();
    }

    @Test
    void fail_parameterOutOfRange() {
        assertThatThrownBy(() -> TlsaRecord.parse("3 2 1 00"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
