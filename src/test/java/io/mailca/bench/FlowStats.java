package io.mailca.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one row of the benchmark counted: the latency of each completed flow and the reason of
 * each failed one. Thread-safe; the client threads record into one instance.
 */
final class FlowStats {
    private final List<Long> latenciesNanos = new ArrayList<>();
    private final Map<String, Long> failures = new TreeMap<>();

    synchronized void completed(long nanos) {
        latenciesNanos.add(nanos);
    }

    synchronized void failed(String reason) {
        failures.merge(reason, 1L, Long::sum);
    }

    synchronized long completedCount() {
        return latenciesNanos.size();
    }

    synchronized long failedCount() {
        return failures.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Failure reasons (an ACME problem type, or what the client saw) and how often. */
    synchronized Map<String, Long> failures() {
        return new TreeMap<>(failures);
    }

    /**
     * The nearest-rank percentile of the completed flows' latencies in milliseconds: the
     * smallest latency that at least {@code percent} per cent of the flows did not exceed; 0
     * when no flow completed.
     */
    synchronized double percentileMillis(double percent) {
        if (latenciesNanos.isEmpty()) {
            return 0;
        }
        var sorted = new ArrayList<>(latenciesNanos);
        Collections.sort(sorted);
        var rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1)) / 1e6;
    }
}
