package io.mailca.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;

/**
 * Fuzzes the CSR checks of finalize (RFC 8555 §7.4, RFC 2986): whatever the bytes, the only
 * refusal is a {@link BadCsrException} (which becomes {@code badCSR}), and no input takes
 * long (a hang).
 * Regression mode replays {@code CsrCheckFuzzTestInputs/parse}.
 */
class CsrCheckFuzzTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    /** The first input pays for class loading and instrumentation; it is not timed. */
    private static boolean warm;

    @FuzzTest(maxDuration = "5m")
    void parse(byte[] der) {
        var started = System.nanoTime();
        try {
            var checked = CsrCheck.parse(der);
            assertThat(checked.names()).isNotEmpty();
        } catch (BadCsrException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
        if (warm) {
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(LIMIT);
        }
        warm = true;
    }
}
