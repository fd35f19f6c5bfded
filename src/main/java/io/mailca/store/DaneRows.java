package io.mailca.store;

import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Queries over the DANE tables ({@link DaneJob}, {@link DaneRecord}, {@link DaneProbe},
 * {@link DaneStatus}). Callers hold the transaction.
 */
@ApplicationScoped
public class DaneRows {
    /** Queues a publication job for {@code host}, due at {@code now}. */
    public void enqueue(String host, String cause, Instant now) {
        var job = new DaneJob();
        job.host = host;
        job.cause = cause;
        job.state = DaneJob.PENDING;
        job.attempts = 0;
        job.runAt = now;
        job.createdAt = now;
        job.persist();
    }

    /**
     * Claims the next due job: locks it with {@code FOR UPDATE SKIP LOCKED} (PostgreSQL and H2
     * 2.x), so that two replicas claiming at the same moment get different rows, then leases it
     * until {@code leaseEnd} under a fresh owner token ({@link DaneJob#claimId}). The caller
     * commits at once; the lease, not the row lock, keeps other workers off while the job does
     * its network I/O outside the transaction, and the token tells the worker whether the job is
     * still its own ({@link #renew}) when the lease ran out meanwhile.
     */
    public Optional<DaneJob> claim(Instant now, Instant leaseEnd) {
        @SuppressWarnings("unchecked")
        List<Number> ids = Panache.getEntityManager().createNativeQuery(
                "select id from dane_job where state = 'pending' and run_at <= ?1"
                        + " and (leased_until is null or leased_until <= ?1)"
                        + " order by run_at, id limit 1 for update skip locked")
                .setParameter(1, now)
                .getResultList();
        if (ids.isEmpty()) {
            return Optional.empty();
        }
        DaneJob job = DaneJob.findById(ids.get(0).longValue());
        job.leasedUntil = leaseEnd;
        job.claimId = UUID.randomUUID().toString();
        job.attempts++;
        return Optional.of(job);
    }

    /**
     * Extends the lease of job {@code id} to {@code leaseEnd} if it is still pending under the
     * owner token {@code claim}; false when another worker claimed it since (the lease ran out),
     * or it is finished. The row lock the update takes orders it against a concurrent claim.
     */
    public boolean renew(long id, String claim, Instant leaseEnd) {
        return DaneJob.update("leasedUntil = ?1 where id = ?2 and claimId = ?3 and state = ?4",
                leaseEnd, id, claim, DaneJob.PENDING) == 1;
    }

    /**
     * Marks job {@code id} done at {@code now}, with {@code note} as its last word unless null,
     * if it is still pending under the owner token {@code claim}; false, and nothing changed,
     * when another worker owns it now. Callers run this first in their transaction, so the
     * row lock it takes keeps the job theirs until they commit what they record with it.
     */
    public boolean finish(long id, String claim, Instant now, String note) {
        var set = "state = ?1, finishedAt = ?2, leasedUntil = null"
                + (note == null ? "" : ", lastError = ?6");
        var where = " where id = ?3 and claimId = ?4 and state = ?5";
        var query = DaneJob.getEntityManager().createQuery("update DaneJob set " + set + where)
                .setParameter(1, DaneJob.DONE).setParameter(2, now).setParameter(3, id)
                .setParameter(4, claim).setParameter(5, DaneJob.PENDING);
        if (note != null) {
            query.setParameter(6, note);
        }
        return query.executeUpdate() == 1;
    }

    /**
     * Puts job {@code id} back to run at {@code runAt}, after {@code error}, and ends the lease,
     * if it is still pending under the owner token {@code claim}; false otherwise.
     */
    public boolean reschedule(long id, String claim, Instant runAt, String error) {
        return DaneJob.update("lastError = ?1, runAt = ?2, leasedUntil = null where id = ?3"
                + " and claimId = ?4 and state = ?5", error, runAt, id, claim, DaneJob.PENDING)
                == 1;
    }

    public Optional<DaneJob> job(long id) {
        return Optional.ofNullable(DaneJob.findById(id));
    }

    /** Deletes finished jobs that finished before {@code cutoff}; returns how many. */
    public long purgeDone(Instant cutoff) {
        return DaneJob.delete("state = ?1 and finishedAt < ?2", DaneJob.DONE, cutoff);
    }

    /**
     * Deletes probe observations older than {@code cutoff} for which a later observation of
     * the same host and port read a key, so that the table stays small while the newest run
     * that saw a key (what a rollover waits on) is always kept.
     */
    public long purgeProbes(Instant cutoff) {
        return DaneProbe.delete("delete from DaneProbe p where p.seenAt < ?1 and exists"
                + " (select 1 from DaneProbe q where q.host = p.host and q.port = p.port"
                + " and q.spkiSha256 is not null and q.seenAt > p.seenAt)", cutoff);
    }

    /** Jobs not done yet, oldest first. */
    public List<DaneJob> pendingJobs() {
        return DaneJob.list("state = ?1 order by id", DaneJob.PENDING);
    }

    /** Every host that appears in a certificate MailCA issued. */
    public List<String> certificateNames() {
        List<String> rows = IssuedCertificate.find("select distinct c.names from"
                + " IssuedCertificate c").project(String.class).list();
        return rows.stream().flatMap(n -> List.of(n.split(",")).stream()).distinct().toList();
    }

    /** Certificates naming {@code host}, oldest first. */
    public List<IssuedCertificate> certificatesFor(String host) {
        // names is a comma-separated list; match whole entries only.
        return IssuedCertificate.list("names = ?1 or names like ?2 or names like ?3"
                + " or names like ?4 order by createdAt, id", host, host + ",%",
                "%," + host, "%," + host + ",%");
    }

    /** TLSA records MailCA currently has published at {@code ownerName}. */
    public List<DaneRecord> currentRecords(String ownerName) {
        return DaneRecord.list("ownerName = ?1 and withdrawnAt is null order by id", ownerName);
    }

    /** Every TLSA record MailCA currently has published, of every host. */
    public List<DaneRecord> allCurrentRecords() {
        return DaneRecord.list("withdrawnAt is null order by id");
    }

    /** Records of {@code host}, current and withdrawn. */
    public List<DaneRecord> recordsOfHost(String host) {
        return DaneRecord.list("host = ?1 order by id", host);
    }

    public void add(DaneRecord record) {
        record.persist();
    }

    public void add(DaneProbe probe) {
        probe.persist();
    }

    /** Probe observations of {@code host}, oldest first. */
    public List<DaneProbe> probesOf(String host) {
        return DaneProbe.list("host = ?1 order by seenAt, id", host);
    }

    /** The newest observation for each host and port. */
    public List<DaneProbe> latestProbes() {
        return DaneProbe.list("from DaneProbe q where q.seenAt = (select max(p.seenAt) from"
                + " DaneProbe p where p.host = q.host and p.port = q.port)"
                + " order by q.host, q.port");
    }

    /**
     * Forgets an owner name MailCA no longer publishes at: its verification status and the
     * probes of {@code host} on {@code port}, so neither raises alerts for a service gone.
     */
    public void forget(String host, String ownerName, int port) {
        DaneStatus.delete("ownerName = ?1", ownerName);
        DaneProbe.delete("host = ?1 and port = ?2", host, port);
    }

    public Optional<DaneStatus> status(String ownerName) {
        return Optional.ofNullable(DaneStatus.findById(ownerName));
    }

    public void save(DaneStatus status) {
        DaneStatus.getEntityManager().merge(status);
    }

    public List<DaneStatus> statuses() {
        return DaneStatus.list("order by ownerName");
    }
}
