package io.mailca.dane;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import io.mailca.dane.DesiredRrset.Issued;
import io.mailca.dane.DesiredRrset.Seen;
import io.mailca.store.AuditLog;
import io.mailca.store.Authorities;
import io.mailca.store.DaneProbe;
import io.mailca.store.DaneRecord;
import io.mailca.store.DaneRows;
import io.mailca.store.IssuedCertificate;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * Runs the TLSA outbox (DESIGN.md, main flow step 6). Each job brings one host's TLSA RRsets
 * to the desired state:
 *
 * <ol>
 * <li>claim a due job (FOR UPDATE SKIP LOCKED, then a lease under a fresh owner token) in a
 * short transaction;
 * <li>read the host's certificates, probe results and published records, and compute the
 * desired RRset ({@link DesiredRrset});
 * <li>publish each owner name, outside any transaction, renewing the lease before each;
 * <li>record what MailCA now has published, and finish the job, in a second transaction;
 * both the renewal and the finish hold only while the owner token is still the job's, so a
 * worker whose lease ran out and was claimed by another replica stops and records nothing;
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

    /**
     * Queues a reconciliation job for each certified host in a configured zone, each host
     * MailCA publishes records for (so records of a host no wildcard covers any more go), and
     * each wildcard name, whose job queues the hosts it covers.
     */
    public int reconcile(Instant now) {
        var queued = queueReconciliation(now);
        metrics.refresh();
        return queued;
    }

    private int queueReconciliation(Instant now) {
        return QuarkusTransaction.requiringNew().call(() -> {
            // Finished jobs are history for a week, then go, so the outbox stays small.
            rows.purgeDone(now.minus(Duration.ofDays(7)));
            rows.purgeProbes(now.minus(Duration.ofDays(7)));
            var pending = new HashSet<String>();
            rows.pendingJobs().forEach(j -> pending.add(j.host));
            var queued = 0;
            var hosts = new java.util.LinkedHashSet<>(rows.certificateNames());
            rows.allCurrentRecords().forEach(r -> hosts.add(r.host));
            for (var host : hosts) {
                var zoned = host.startsWith("*.") ? host.substring(2) : host;
                if (publishers.zoneOf(zoned).isPresent() && !pending.contains(host)) {
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
            var started = clock.instant();
            var claimed = QuarkusTransaction.requiringNew().call(() -> rows.claim(now,
                    now.plus(settings.retry().lease())).map(j -> new Claim(j.id, j.host,
                    j.attempts, j.claimId, started)));
            if (claimed.isEmpty()) {
                return ran;
            }
            run(claimed.get(), now);
            ran++;
        }
        return ran;
    }

    /**
     * A job this worker claimed: {@code claim} is the owner token, {@code started} the clock's
     * time at the claim, from which the renewals measure how long the job has run.
     */
    private record Claim(long id, String host, int attempts, String claim, Instant started) {
    }

    /** Another worker claimed the job after this one's lease ran out; it is theirs now. */
    private static final class LeaseLost extends RuntimeException {
        LeaseLost(Claim job) {
            super("TLSA job " + job.id() + " for " + job.host() + " was claimed by another"
                    + " worker after its lease ran out", null, false, false);
        }
    }

    /**
     * Extends the lease by {@code mailca.dane.retry.lease} from the job's time now ({@code now}
     * as the claim took it, plus what the clock says has passed since), so that a job slowed
     * by DNS timeouts keeps it; throws {@link LeaseLost} when the job is no longer this
     * worker's. A short transaction of its own, never held across network I/O.
     */
    private void renew(Claim job, Instant now) {
        var elapsed = Duration.between(job.started(), clock.instant());
        var leaseEnd = now.plus(elapsed.isNegative() ? Duration.ZERO : elapsed)
                .plus(settings.retry().lease());
        if (!QuarkusTransaction.requiringNew().call(() -> rows.renew(job.id(), job.claim(),
                leaseEnd))) {
            throw new LeaseLost(job);
        }
    }

    private static boolean lost(Throwable e) {
        for (var t = e; t != null; t = t.getCause()) {
            if (t instanceof LeaseLost) {
                return true;
            }
        }
        return false;
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
            if (job.host().startsWith("*.")) {
                queueCovered(job, now);
                return;
            }
            var zone = publishers.zoneOf(job.host());
            if (zone.isEmpty()) {
                finish(job, now, "no zone configured for " + job.host()
                        + " (or a wildcard name); nothing published");
                return;
            }
            var profile = services.profile(job.host());
            var wildcard = HostServices.wildcardOver(job.host()).filter(w -> QuarkusTransaction
                    .requiringNew().call(() -> !rows.certificatesFor(w).isEmpty()));
            var mailHost = wildcard.isPresent() ? services.isMailHost(job.host())
                    : Optional.of(false);

            // 2. Desired and owned records.
            var plans = QuarkusTransaction.requiringNew().call(() -> plan(profile, wildcard,
                    mailHost, now));

            // 3. Publish, outside any transaction.
            var publisher = publishers.of(zone.get());
            var ttls = new HashMap<String, Integer>();
            for (var plan : plans) {
                renew(job, now);
                var change = publisher.publish(plan.owner(), plan.desired().stream()
                        .map(DesiredRrset.Entry::record).toList(), plan.owned(), profile.ttl());
                ttls.put(plan.owner(), change.ttl());
                if (change.sent()) {
                    metrics.updateSent(zone.get());
                    LOG.infof("TLSA %s: added %s, removed %s (TTL %d)", plan.owner(),
                            change.added(), change.removed(), change.ttl());
                }
            }

            // 4. Finish, if the job is still ours (the update locks its row until the commit),
            // and record what is published now; otherwise roll back and record nothing.
            QuarkusTransaction.requiringNew().run(() -> {
                if (!rows.finish(job.id(), job.claim(), now, null)) {
                    throw new LeaseLost(job);
                }
                for (var plan : plans) {
                    record(job.host(), plan, ttls.get(plan.owner()), now);
                }
            });

            // 5. Verify; a failure here is logged and kept, the publication stands. The job is
            // done, so no other worker can claim it any more: the lease needs no renewal here.
            for (var plan : plans) {
                if (plan.dropped()) {
                    forget(job.host(), plan.owner());
                    continue;
                }
                verifier.verify(zone.get(), job.host(), plan.owner(),
                        plan.desired().stream().map(DesiredRrset.Entry::record).toList(), now);
            }
        } catch (PublishException | RuntimeException e) {
            if (lost(e)) {
                LOG.infof("%s; stopping, recording nothing", e.getMessage());
                return;
            }
            var delay = backoff(job.attempts());
            LOG.warnf("TLSA job %d for %s failed (attempt %d), retrying in %s: %s", job.id(),
                    job.host(), job.attempts(), delay, e.getMessage());
            if (e instanceof RuntimeException) {
                LOG.debug("TLSA job failure", e);
            }
            if (!QuarkusTransaction.requiringNew().call(() -> rows.reschedule(job.id(),
                    job.claim(), now.plus(delay), e.getMessage()))) {
                LOG.infof("TLSA job %d for %s was claimed by another worker after its lease ran"
                        + " out; leaving it to them", job.id(), job.host());
            }
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

    /**
     * A wildcard job ({@code *.pool.example.com}, queued at issuance, revocation or
     * reconciliation): no TLSA at the wildcard owner, which no client looks up, but a job for
     * each mail host the certificate covers (RFC 6125 §6.4.3), in whose RRsets its key counts.
     * A failed MX or SRV lookup queues the hosts found and retries the rest with backoff.
     */
    private void queueCovered(Claim job, Instant now) throws PublishException {
        var coverage = services.coveredBy(job.host());
        var hosts = coverage.hosts().stream().filter(h -> publishers.zoneOf(h).isPresent())
                .toList();
        QuarkusTransaction.requiringNew().run(() -> {
            var cause = rows.job(job.id()).map(j -> j.cause).orElse("wildcard");
            hosts.forEach(h -> rows.enqueue(h, cause, now));
            // Queuing the covered hosts twice does no harm, should another worker have taken
            // this job over meanwhile; only the finish is fenced by the claim.
            if (coverage.failures().isEmpty()) {
                rows.finish(job.id(), job.claim(), now, "covers " + hosts);
            }
        });
        if (!coverage.failures().isEmpty()) {
            throw new PublishException("the hosts " + job.host() + " covers are unknown: looking"
                    + " up the MX and SRV records of the mail domains failed ("
                    + String.join("; ", coverage.failures().values()) + ")");
        }
    }

    /**
     * The certificates of {@code host}, oldest first: its own and, when it is a mail host,
     * those of the {@code wildcard} over it. Whether it is one may be unknown (a lookup
     * failed): the wildcard's keys then count while MailCA publishes one of them for the host.
     */
    static List<IssuedCertificate> certificatesOf(DaneRows rows, String host,
            Optional<String> wildcard, Optional<Boolean> mailHost) {
        var own = rows.certificatesFor(host);
        if (wildcard.isEmpty()) {
            return own;
        }
        var covering = rows.certificatesFor(wildcard.get());
        var keys = new HashSet<String>();
        covering.forEach(c -> keys.add(c.spkiSha256));
        var counts = mailHost.orElseGet(() -> rows.recordsOfHost(host).stream()
                .anyMatch(r -> r.withdrawnAt == null && keys.contains(r.spkiSha256)));
        if (!counts) {
            return own;
        }
        var all = new LinkedHashMap<String, IssuedCertificate>();
        own.forEach(c -> all.put(c.id, c));
        covering.forEach(c -> all.putIfAbsent(c.id, c));
        return all.values().stream().sorted(Comparator.comparing((IssuedCertificate c)
                -> c.createdAt).thenComparing(c -> c.id)).toList();
    }

    private List<OwnerPlan> plan(HostProfile profile, Optional<String> wildcard,
            Optional<Boolean> mailHost, Instant now) {
        var certificates = new ArrayList<Issued>();
        var issuers = new HashMap<String, X509Certificate>();
        for (var c : certificatesOf(rows, profile.host(), wildcard, mailHost)) {
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
        if (!QuarkusTransaction.requiringNew().call(() -> rows.finish(job.id(), job.claim(), now,
                note))) {
            throw new LeaseLost(job);
        }
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
