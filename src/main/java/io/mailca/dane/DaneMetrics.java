package io.mailca.dane;

import io.mailca.store.DaneRows;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * DANE's state per mail host as Prometheus metrics at {@code /q/metrics} (docs/dane.md), so an
 * alert can fire on what the health check reports: gauges of pending and failing TLSA jobs,
 * owner names whose TLSA is not DNSSEC-secure (RFC 6698 §4.1), probe alerts and published
 * records, each tagged {@code host}; and a counter of the updates sent, tagged {@code zone} and
 * {@code publisher}.
 *
 * <p>The gauges come from the database, which every replica shares, so each replica reports
 * the whole picture. They are read after each job and probe of this replica, and every 30
 * seconds for the work of the others; a scrape itself reads nothing, so it never waits for the
 * database.
 */
@ApplicationScoped
public class DaneMetrics {
    private static final Logger LOG = Logger.getLogger(DaneMetrics.class);

    private final DaneRows rows;
    private final Publishers publishers;
    private final DaneSettings settings;
    private final MeterRegistry registry;
    private final MultiGauge pendingJobs;
    private final MultiGauge failingJobs;
    private final MultiGauge insecureOwners;
    private final MultiGauge probeAlerts;
    private final MultiGauge publishedRecords;

    private volatile boolean stopping;

    DaneMetrics(DaneRows rows, Publishers publishers, DaneSettings settings,
            MeterRegistry registry) {
        this.rows = rows;
        this.publishers = publishers;
        this.settings = settings;
        this.registry = registry;
        pendingJobs = gauge("mailca.dane.jobs.pending", "TLSA jobs not finished yet");
        failingJobs = gauge("mailca.dane.jobs.failing",
                "TLSA jobs not finished whose last attempt failed");
        insecureOwners = gauge("mailca.dane.owners.insecure",
                "owner names whose TLSA a validating resolver does not call DNSSEC-secure");
        probeAlerts = gauge("mailca.dane.probe.alerts",
                "ports whose newest probe raised an alert (superseded, expired, unmatched)");
        publishedRecords = gauge("mailca.dane.records.published",
                "TLSA records MailCA keeps published");
        // Counters of every configured zone exist from the start, so a scrape shows 0.
        settings.zones().keySet().forEach(zone -> updates(zone));
    }

    private MultiGauge gauge(String name, String description) {
        return MultiGauge.builder(name).description(description).register(registry);
    }

    /** Counts one update sent to a zone's DNS (RFC 2136 message or operator script run). */
    void updateSent(String zone) {
        updates(zone).increment();
    }

    private Counter updates(String zone) {
        var publisher = settings.zones().containsKey(zone)
                ? settings.zones().get(zone).publisher() : "unknown";
        return Counter.builder("mailca.dane.updates")
                .description("TLSA updates sent: RFC 2136 messages or operator script runs")
                .tags("zone", zone, "publisher", publisher).register(registry);
    }

    @Scheduled(every = "30s", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        // Without a zone nothing is published, and there is nothing to count.
        if (!stopping && !settings.zones().isEmpty()) {
            refresh();
        }
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    /** Reads the DANE tables once and sets every gauge; a failure keeps the last values. */
    public synchronized void refresh() {
        try {
            QuarkusTransaction.requiringNew().run(this::read);
        } catch (RuntimeException e) {
            LOG.warnf("DANE metrics not refreshed: %s", e.getMessage());
        }
    }

    private void read() {
        // Every certified host of a configured zone gets a row, so a healthy host shows 0.
        var hosts = new TreeSet<String>();
        rows.certificateNames().stream().filter(h -> publishers.zoneOf(h).isPresent())
                .forEach(hosts::add);
        var pending = new TreeMap<String, Integer>();
        var failing = new TreeMap<String, Integer>();
        for (var job : rows.pendingJobs()) {
            pending.merge(job.host, 1, Integer::sum);
            if (job.lastError != null) {
                failing.merge(job.host, 1, Integer::sum);
            }
        }
        var insecure = new TreeMap<String, Integer>();
        for (var status : rows.statuses()) {
            if (!status.secure && status.host != null) {
                insecure.merge(status.host, 1, Integer::sum);
            }
        }
        var alerts = new TreeMap<String, Integer>();
        for (var probe : rows.latestProbes()) {
            if (probe.alert != null) {
                alerts.merge(probe.host, 1, Integer::sum);
            }
        }
        var published = new TreeMap<String, Integer>();
        for (var record : rows.allCurrentRecords()) {
            published.merge(record.host, 1, Integer::sum);
        }
        for (var counts : List.of(pending, failing, insecure, alerts, published)) {
            hosts.addAll(counts.keySet());
        }
        set(pendingJobs, hosts, pending::get);
        set(failingJobs, hosts, failing::get);
        set(insecureOwners, hosts, insecure::get);
        set(probeAlerts, hosts, alerts::get);
        set(publishedRecords, hosts, published::get);
    }

    private static void set(MultiGauge gauge, TreeSet<String> hosts,
            Function<String, Integer> count) {
        var result = new ArrayList<MultiGauge.Row<?>>();
        for (var host : hosts) {
            var n = count.apply(host);
            result.add(MultiGauge.Row.of(Tags.of("host", host), n == null ? 0 : n));
        }
        gauge.register(result, true);
    }
}
