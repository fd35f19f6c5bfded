package io.mailca.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A smoke run of the benchmark's code path ({@code ./scripts/bench}), so that it cannot rot:
 * the packaged server on the embedded store, two clients, two full flows each. It checks that
 * the flows complete and the row is counted right; the speed it prints is judged by nobody.
 */
class IssuanceBenchmarkIT {
    @Test
    @Timeout(300)
    void twoClientsCompleteTwoFlowsEach() throws Exception {
        var options = IssuanceBenchmark.parse("--stores=h2", "--clients=2",
                "--flows-per-client=2", "--warmup-seconds=0");
        var printed = new ByteArrayOutputStream();

        var rows = IssuanceBenchmark.runStore("h2", options,
                new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(rows).hasSize(1);
        var row = rows.get(0);
        assertThat(row.failures()).as("failed flows").isEmpty();
        assertThat(row.completed()).isEqualTo(4);
        assertThat(row.p50()).isPositive().isLessThanOrEqualTo(row.p99());
        assertThat(row.peakRssKib()).as("VmHWM of the server, in KiB").isGreaterThan(10_000);
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("h2: 2 clients: 4 flows in");
    }
}
