package io.mailca.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Nearest-rank percentiles and failure counts, as the benchmark prints them. */
class FlowStatsTest {
    @Test
    void percentilesAreNearestRank() {
        var stats = new FlowStats();
        // 1 ms .. 100 ms, recorded out of order.
        for (var ms = 100; ms >= 1; ms--) {
            stats.completed(ms * 1_000_000L);
        }

        assertThat(stats.completedCount()).isEqualTo(100);
        assertThat(stats.percentileMillis(50)).isEqualTo(50.0);
        assertThat(stats.percentileMillis(95)).isEqualTo(95.0);
        assertThat(stats.percentileMillis(99)).isEqualTo(99.0);
        assertThat(stats.percentileMillis(100)).isEqualTo(100.0);
    }

    @Test
    void fewFlowsTakeTheNextRankUp() {
        var stats = new FlowStats();
        stats.completed(10_000_000L);
        stats.completed(30_000_000L);
        stats.completed(20_000_000L);

        // ceil(0.5 * 3) = 2nd of 10, 20, 30; ceil(0.99 * 3) = 3rd.
        assertThat(stats.percentileMillis(50)).isEqualTo(20.0);
        assertThat(stats.percentileMillis(99)).isEqualTo(30.0);
        assertThat(new FlowStats().percentileMillis(50)).isZero();
    }

    @Test
    void failuresAreCountedByReason() {
        var stats = new FlowStats();
        stats.failed("badNonce");
        stats.failed("hung: order still PROCESSING after 60 s");
        stats.failed("badNonce");

        assertThat(stats.failedCount()).isEqualTo(3);
        assertThat(stats.failures()).isEqualTo(Map.of("badNonce", 2L,
                "hung: order still PROCESSING after 60 s", 1L));
    }
}
