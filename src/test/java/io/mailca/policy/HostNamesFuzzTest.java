package io.mailca.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;

/**
 * Fuzzes host name syntax and normalisation (RFC 1123 §2.1, RFC 5890): {@code syntaxError}
 * answers every string without throwing, and a name it accepts normalises to a name it still
 * accepts, unchanged by a second normalisation. Regression mode replays
 * {@code HostNamesFuzzTestInputs/syntaxAndNormalize}.
 */
class HostNamesFuzzTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    /** The first input pays for class loading and instrumentation; it is not timed. */
    private static boolean warm;

    @FuzzTest(maxDuration = "5m")
    void syntaxAndNormalize(FuzzedDataProvider data) {
        var name = data.consumeRemainingAsString();
        var started = System.nanoTime();

        var error = HostNames.syntaxError(name);

        if (error.isEmpty()) {
            var normal = HostNames.normalize(name);
            assertThat(HostNames.syntaxError(normal)).as("normalised %s", normal).isEmpty();
            assertThat(HostNames.normalize(normal)).isEqualTo(normal);
            assertThat(normal).hasSizeLessThanOrEqualTo(253);
        } else {
            assertThat(error.get()).isNotBlank();
        }
        if (warm) {
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(LIMIT);
        }
        warm = true;
    }
}
