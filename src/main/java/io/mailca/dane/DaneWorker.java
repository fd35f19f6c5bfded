package io.mailca.dane;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import io.mailca.dane.DesiredRrset.Issued;
import io.mailca.dane.DesiredRrset.Seen;
import io.mailca.store.AuditLog;
import io.mailca.store.Authorities;
import io.mailca.store.DaneJob;
import io.mailca.store.DaneProbe;
import io.mailca.store.DaneRecord;
import io.mailca.store.DaneRows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * Runs the TLSA outbox (DESIGN.md, main flow step 6). Each job brings one host's TLSA RRsets
 * to the desired state:
 *
 * <ol>
 * <li>claim a due job (FOR UPDATE SKIP LOCKED, then a lease) in a short transaction;
 * <li>read the host's certificates, probe results and published records, and compute the
 * desired RRset ({@link DesiredRrset});
 * <li>publish each owner name, outside any transaction;
 * <li>record what MailCA now has published, and finish the job, in a second transaction;
 * <li>verify on every authoritative server and through the validating resolver.
 * </ol>
 *
 * A failure reschedules the job with exponential backoff; it is retried until it succeeds.
 */
@ApplicationScoped
public class DaneWorker {
    private static final Logger LOG = Logger.getLogger(DaneWorker.class);

    private final DaneRows rows;
    private final Authorities authorities;
    private final Publishers publishers;
    private final TlsaVerifier verifier;
    private final DaneSettings settings;
    private final HostServices services;
    private final AuditLog audit;
    private final Clock clock;
    private final DaneMetrics metrics;

    DaneWorker(DaneRows rows, Authorities authorities, Publishers publishers,
            TlsaVerifier verifier, DaneSettings settings, HostServices services, AuditLog audit,
            Clock clock, DaneMetrics metrics) {
        this.rows = rows;
        this.authorities = authorities;
        this.publishers = publishers;
        this.verifier = verifier;
        this.settings = settings;
        this.services = services;
        this.audit = audit;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Scheduled(every = "${mailca.dane.worker-every:5s}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (!stopping) {
            runDue(clock.instant());
        }
    }

    // The scheduler may still fire while the application shuts down and the database is gone.
    private volatile boolean stopping;

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    /** Queues a job for every certified host, so drift (records deleted by hand) is repaired. */
    @Scheduled(every = "${mailca.dane.reconcile-every:1h}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reconcileTick() {
        if (stopping) {
            return;
        }
        reconcile(clock.instant());
    }

    /** Queues a reconciliation job for each certified host in a configured zone. */
    public int reconcile(Instant now) {
        var queued = queueReconciliation(now);
        metrics.refresh();
        return queued;
    }

    private int queueReconciliation(Instant now) {
        return QuarkusTransaction.requiringNew().call(() -> {
            // Finished jobs are history for a week, then go, so the outbox stays small.
            rows.purgeDone(now.minus(Duration.ofDays(7)));
            var pending = new HashSet<String>();
            rows.pendingJobs().forEach(j -> pending.add(j.host));
            var queued = 0;
            for (var host : rows.certificateNames()) {
                if (publishers.zoneOf(host).isPresent() && !pending.contains(host)) {
                    rows.enqueue(host, "reconcile", now);
                    queued++;
                }
            }
            return queued;
        });
    }

    /** Runs every job due at {@code now}; returns how many ran (succeeded or not). */
    public int runDue(Instant time) {
        var ran = runDueJobs(time);
        // The worker ticks every few seconds; the gauges need reading only when a job ran.
        if (ran > 0) {
            metrics.refresh();
        }
        return ran;
    }

    private int runDueJobs(Instant time) {
        // The database keeps microseconds; rounding there must not move a 2×TTL boundary.
        var now = time.truncatedTo(ChronoUnit.MICROS);
        var ran = 0;
        while (ran < 1000) {
            var claimed = QuarkusTransaction.requiringNew().call(() -> rows.claim(now,
                    now.plus(settings.retry().lease())).map(j -> new Claim(j.id, j.host,
                    j.attempts)));
            if (claimed.isEmpty()) {
                return ran;
            }
            run(claimed.get(), now);
            ran++;
        }
        return ran;
    }

    private record Claim(long id, String host, int attempts) {
    }

    /**
     * The key each port serves now: the one of the newest probe round that read a key there,
     * if every address that answered in that round served it. A key seen once and then
     * replaced again (the mail server rolled back) is not served, so the older key's record
     * stays while the host presents that key, or comes back (issue #4); nor is a key served
     * that one address presents while another still presents the old key. An address that did
     * not answer read no key: it counts for no key, and a round in which none answered leaves
     * the port as the round before it saw it.
     *
     * @param probes the host's probes, oldest first; one round's rows share their time
     */
    static Set<Seen> servedNow(List<DaneProbe> probes) {
        record Round(java.time.Instant at, Set<String> keys) {
        }
        var latest = new TreeMap<Integer, Round>();
        for (var p : probes) {
            if (p.spkiSha256 == null) {
                continue;
            }
            var round = latest.get(p.port);
            if (round == null || !round.at().equals(p.seenAt)) {
                round = new Round(p.seenAt, new HashSet<>());
                latest.put(p.port, round);
            }
            round.keys().add(p.spkiSha256);
        }
        var seen = new HashSet<Seen>();
        latest.forEach((port, round) -> {
            if (round.keys().size() == 1) {
                seen.add(new Seen(port, round.keys().iterator().next()));
            }
        });
        return seen;
    }

    /**
     * The desired state of one owner name, read in one transaction: the service on its port,
     * or null and {@code dropped} when the host no longer runs a service on that port, so
     * MailCA's records there go.
     */
    private record OwnerPlan(String owner, ServicePort service,
            List<DesiredRrset.Entry> desired, Set<TlsaRecord> owned, boolean dropped) {
    }

    private void run(Claim job, Instant now) {
        try {
            var zone = publishers.zoneOf(job.host());
            if (zone.isEmpty()) {
                finish(job, now, "no zone configured for " + job.host()
                        + " (or a wildcard name); nothing published");
                return;
            }
            var profile = services.profile(job.host());

            // 2. Desired and owned records.
            var plans = QuarkusTransaction.requiringNew().call(() -> plan(profile, now));

            // 3. Publish, outside any transaction.
            var publisher = publishers.of(zone.get());
            var ttls = new HashMap<String, Integer>();
            for (var plan : plans) {
                var change = publisher.publish(plan.owner(), plan.desired().stream()
                        .map(DesiredRrset.Entry::record).toList(), plan.owned(), profile.ttl());
                ttls.put(plan.owner(), change.ttl());
                if (change.sent()) {
                    metrics.updateSent(zone.get());
                    LOG.infof("TLSA %s: added %s, removed %s (TTL %d)", plan.owner(),
                            change.added(), change.removed(), change.ttl());
                }
            }

            // 4. Record what is published now, and finish.
            QuarkusTransaction.requiringNew().run(() -> {
                for (var plan : plans) {
                    record(job.host(), plan, ttls.get(plan.owner()), now);
                }
                done(job.id(), now);
            });

            // 5. Verify; a failure here is logged and kept, the publication stands.
            for (var plan : plans) {
                if (plan.dropped()) {
                    forget(job.host(), plan.owner());
                    continue;
                }
                verifier.verify(zone.get(), job.host(), plan.owner(),
                        plan.desired().stream().map(DesiredRrset.Entry::record).toList(), now);
            }
        } catch (PublishException | RuntimeException e) {
            var delay = backoff(job.attempts());
            LOG.warnf("TLSA job %d for %s failed (attempt %d), retrying in %s: %s", job.id(),
                    job.host(), job.attempts(), delay, e.getMessage());
            if (e instanceof RuntimeException) {
                LOG.debug("TLSA job failure", e);
            }
            QuarkusTransaction.requiringNew().run(() -> rows.job(job.id()).ifPresent(j -> {
                j.lastError = e.getMessage();
                j.runAt = now.plus(delay);
                j.leasedUntil = null;
            }));
        }
    }

    /** Base × 2^(attempt−1), at most the maximum (attempts start at 1). */
    Duration backoff(int attempts) {
        var base = settings.retry().base();
        var max = settings.retry().max();
        var shift = Math.min(Math.max(attempts - 1, 0), 30);
        var delay = base.multipliedBy(1L << shift);
        return delay.compareTo(max) > 0 ? max : delay;
    }

    private List<OwnerPlan> plan(HostProfile profile, Instant now) {
        var certificates = new ArrayList<Issued>();
        var issuers = new HashMap<String, X509Certificate>();
        for (var c : rows.certificatesFor(profile.host())) {
            var issuer = issuers.computeIfAbsent(c.issuerId, id -> authorities.byId(id)
                    .map(a -> parse(a.certificatePem)).orElseThrow());
            certificates.add(new Issued(parse(c.pem), issuer, c.spkiSha256, c.createdAt,
                    "revoked".equals(c.status) ? c.revocationReason : null));
        }
        var seen = servedNow(rows.probesOf(profile.host()));
        var firstPublished = new HashMap<String, Instant>();
        // Resolvers cache an RRset for the TTL it carries, which others' records at an owner
        // may make longer than the setting (RFC 2181 §5.2): the 2×TTL wait uses the longest.
        var ttl = profile.ttl();
        for (var r : rows.recordsOfHost(profile.host())) {
            firstPublished.merge(r.spkiSha256, r.publishedAt,
                    (a, b) -> a.isBefore(b) ? a : b);
            if (r.withdrawnAt == null && r.ttl != null) {
                ttl = Math.max(ttl, r.ttl);
            }
        }
        var cached = new HostProfile(profile.host(), profile.services(), profile.leafSelector(),
                profile.caSelector(), profile.matchingType(), ttl);
        var result = DesiredRrset.compute(cached, certificates, seen, firstPublished, now);
        result.notes().forEach(n -> LOG.debugf("%s: %s", profile.host(), n));

        var plans = new ArrayList<OwnerPlan>();
        for (var service : profile.services()) {
            var owner = service.owner(profile.host());
            var owned = new HashSet<TlsaRecord>();
            rows.currentRecords(owner).forEach(r -> owned.add(TlsaRecord.parse(r.rdata)));
            plans.add(new OwnerPlan(owner, service, result.entries(), owned, false));
        }
        // Owners the host no longer has (it stopped being an IMAP SRV target, or its SRV
        // record moved from port 9993 to 993, say): MailCA's records there are withdrawn, not
        // left behind.
        var dropped = new TreeMap<String, Set<TlsaRecord>>();
        for (var r : rows.recordsOfHost(profile.host())) {
            if (r.withdrawnAt == null && !profile.owners().contains(r.ownerName)) {
                dropped.computeIfAbsent(r.ownerName, o -> new HashSet<>())
                        .add(TlsaRecord.parse(r.rdata));
            }
        }
        dropped.forEach((owner, owned) -> {
            LOG.infof("TLSA %s: %s no longer runs a service on this port; withdrawing"
                    + " MailCA's records", owner, profile.host());
            plans.add(new OwnerPlan(owner, null, List.of(), owned, true));
        });
        return plans;
    }

    private void record(String host, OwnerPlan plan, Integer ttl, Instant now) {
        var current = new LinkedHashMap<TlsaRecord, DaneRecord>();
        rows.currentRecords(plan.owner()).forEach(r -> current.put(TlsaRecord.parse(r.rdata), r));
        current.values().forEach(r -> r.ttl = ttl);
        var service = plan.service() == null ? null : plan.service().name();
        if (service != null) {
            // The port may have changed hands (an SRV record moved another service to it).
            current.values().forEach(r -> r.service = service);
        }
        var wanted = new HashSet<TlsaRecord>();
        for (var entry : plan.desired()) {
            wanted.add(entry.record());
            if (!current.containsKey(entry.record())) {
                var row = new DaneRecord();
                row.host = host;
                row.ownerName = plan.owner();
                row.service = service;
                row.rdata = entry.record().toString();
                row.spkiSha256 = entry.spkiSha256();
                row.ttl = ttl;
                row.publishedAt = now;
                rows.add(row);
                audit.record("dane", "tlsa.published", plan.owner(), entry.record().toString());
            }
        }
        for (var e : current.entrySet()) {
            if (!wanted.contains(e.getKey())) {
                e.getValue().withdrawnAt = now;
                audit.record("dane", "tlsa.withdrawn", plan.owner(), e.getKey().toString());
            }
        }
    }

    /** Forgets the status and probes of an owner MailCA no longer publishes at. */
    private void forget(String host, String owner) {
        QuarkusTransaction.requiringNew().run(() -> rows.forget(host, owner,
                HostServices.port(owner).orElse(-1)));
    }

    private void finish(Claim job, Instant now, String note) {
        LOG.debugf("TLSA job %d: %s", job.id(), note);
        QuarkusTransaction.requiringNew().run(() -> {
            rows.job(job.id()).ifPresent(j -> j.lastError = note);
            done(job.id(), now);
        });
    }

    private void done(long id, Instant now) {
        rows.job(id).ifPresent(j -> {
            j.state = DaneJob.DONE;
            j.finishedAt = now;
            j.leasedUntil = null;
        });
    }

    static X509Certificate parse(String pem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new IllegalStateException("a stored certificate does not parse", e);
        }
    }
}
