package io.mailca.issuance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaKeyStoreTest {
    @TempDir
    Path dataDir;

    @Test
    void generatedPasswordIsPrivateAndReopenGivesSameKeys() throws Exception {
        var keyStore = CaKeyStore.open(dataDir, null, TestPki.RANDOM);
        var fixture = TestPki.shared();
        var key = fixture.intermediateKey();
        var chain = fixture.hierarchy().chain();
        keyStore.store("intermediate-1", key, chain);

        var passwordFile = dataDir.resolve("ca/ca.p12.password");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dataDir.resolve("ca")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dataDir.resolve("ca/ca.p12"))))
                .isEqualTo("rw-------");
        assertThat(Files.readString(passwordFile).strip()).hasSize(43);
        try (var files = Files.list(dataDir.resolve("ca"))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("ca.p12", "ca.p12.password");
        }

        var reopened = CaKeyStore.open(dataDir, null, TestPki.RANDOM);
        assertThat(reopened.contains("intermediate-1")).isTrue();
        assertThat(reopened.contains("root")).isFalse();
        assertThat(reopened.privateKey("intermediate-1").getEncoded())
                .isEqualTo(key.getEncoded());
        assertThat(reopened.certificate("intermediate-1"))
                .isEqualTo(fixture.hierarchy().intermediate());
        assertThat(reopened.chain("intermediate-1")).isEqualTo(chain);
    }

    @Test
    void givenPasswordWritesNoPasswordFile() throws Exception {
        CaKeyStore.open(dataDir, "from-env".toCharArray(), TestPki.RANDOM);

        assertThat(dataDir.resolve("ca/ca.p12")).exists();
        assertThat(dataDir.resolve("ca/ca.p12.password")).doesNotExist();
        assertThat(CaKeyStore.open(dataDir, "from-env".toCharArray(), TestPki.RANDOM)
                .contains("root")).isFalse();
    }

    @Test
    void wrongPasswordFailsClearly() throws Exception {
        var keyStore = CaKeyStore.open(dataDir, "right".toCharArray(), TestPki.RANDOM);
        keyStore.store("k", TestPki.shared().intermediateKey(),
                List.of(TestPki.shared().hierarchy().intermediate()));

        assertThatThrownBy(() -> CaKeyStore.open(dataDir, "wrong".toCharArray(),
                TestPki.RANDOM))
                .isInstanceOf(IOException.class)
                .hasMessage("wrong password for CA keystore " + dataDir.resolve("ca/ca.p12"))
                .hasMessageNotContaining("right");
    }

    @Test
    void missingPasswordFileForExistingKeystoreFails() throws Exception {
        CaKeyStore.open(dataDir, null, TestPki.RANDOM);
        Files.delete(dataDir.resolve("ca/ca.p12.password"));

        assertThatThrownBy(() -> CaKeyStore.open(dataDir, null, TestPki.RANDOM))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no password was given");
    }

    @Test
    void missingAliasFails() throws Exception {
        var keyStore = CaKeyStore.open(dataDir, null, TestPki.RANDOM);

        assertThatThrownBy(() -> keyStore.privateKey("root"))
                .isInstanceOf(IOException.class)
                .hasMessage("no key root in " + keyStore.file());
    }
}
