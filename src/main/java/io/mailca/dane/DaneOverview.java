package io.mailca.dane;

import io.mailca.store.AuditLog;
import io.mailca.store.DaneRows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What an operator sees of DANE per mail host: the TLSA records MailCA keeps published, what
 * the authoritative servers serve and whether a validating resolver calls it secure
 * (RFC 6698 §4.1), the last probe of each port, the publication jobs still pending, and
 * MTA-STS policies that fail its MX hosts (RFC 8461).
 */
@ApplicationScoped
public class DaneOverview {
    private final DaneRows rows;
    private final DaneWorker worker;
    private final MtaStsCheck mtaSts;
    private final AuditLog audit;
    private final Clock clock;

    DaneOverview(DaneRows rows, DaneWorker worker, MtaStsCheck mtaSts, AuditLog audit,
            Clock clock) {
        this.rows = rows;
        this.worker = worker;
        this.mtaSts = mtaSts;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * A TLSA record MailCA publishes (desired state) at an owner name, for the service
     * ({@code imaps}) clients reach on the owner's port.
     */
    public record Record(String ownerName, String service, String rdata, Instant publishedAt) {
    }

    /** What the zone's servers serve at one owner name, as last verified. */
    public record Served(String ownerName, boolean secure, String served, String detail,
            Instant checkedAt) {
    }

    /**
     * The newest probe of one port at one address of the host ({@code address}, null when
     * none was resolved), speaking {@code service} there: does the served chain match the
     * TLSA RRset?
     */
    public record Probe(int port, String service, String address, boolean matchesTlsa,
            boolean chainsToRoot, String alert, Instant seenAt) {
    }

    /** A publication job not finished yet, with its last error. */
    public record Job(long id, String cause, int attempts, Instant runAt, String lastError) {
    }

    /**
     * Everything about one host; {@code mtaSts} holds the MTA-STS findings of the mail domains
     * it is an MX host of (RFC 8461: enforce mode fails it for senders that enforce).
     */
    public record Host(String host, boolean secure, List<Record> desired, List<Served> served,
            List<Probe> probes, List<Job> pendingJobs, List<MtaStsCheck.Finding> mtaSts) {
    }

    /**
     * The hosts DANE is kept for: the names MailCA has certified, and the hosts that carry
     * MailCA's records without a certificate of their own (covered by a wildcard).
     */
    public List<String> hosts() {
        return QuarkusTransaction.requiringNew().call(() -> {
            var names = new TreeSet<>(rows.certificateNames());
            rows.allCurrentRecords().forEach(r -> names.add(r.host));
            return List.copyOf(names);
        });
    }

    /** One host's DANE state, or empty when MailCA never certified it nor published for it. */
    public Optional<Host> host(String host) {
        return QuarkusTransaction.requiringNew().call(() -> {
            if (rows.certificatesFor(host).isEmpty() && rows.recordsOfHost(host).isEmpty()) {
                return Optional.<Host>empty();
            }
            var desired = rows.recordsOfHost(host).stream().filter(r -> r.withdrawnAt == null)
                    .map(r -> new Record(r.ownerName, HostServices.serviceName(r.service,
                            HostServices.port(r.ownerName).orElse(-1)), r.rdata,
                            r.publishedAt)).toList();
            var served = rows.statuses().stream().filter(s -> host.equals(s.host))
                    .map(s -> new Served(s.ownerName, s.secure, s.served, s.detail,
                            s.checkedAt)).toList();
            var probes = rows.latestProbes().stream().filter(p -> host.equals(p.host))
                    .map(p -> new Probe(p.port, HostServices.serviceName(p.service, p.port),
                            p.address, p.matchesTlsa, p.chainsToRoot, p.alert, p.seenAt))
                    .toList();
            var jobs = rows.pendingJobs().stream().filter(j -> host.equals(j.host))
                    .map(j -> new Job(j.id, j.cause, j.attempts, j.runAt, j.lastError))
                    .toList();
            // Unverified counts as not secure: TLSA nobody has seen validate protects nothing.
            var secure = !served.isEmpty() && served.stream().allMatch(Served::secure);
            return Optional.of(new Host(host, secure, desired, served, probes, jobs,
                    mtaSts.findingsFor(host)));
        });
    }

    /** The MTA-STS findings of the mail domains, as last checked. */
    public List<MtaStsCheck.Finding> mtaSts() {
        return mtaSts.findings();
    }

    /** Queues a reconciliation of every certified host; returns how many jobs were queued. */
    public int reconcile(String actor) {
        var queued = worker.reconcile(clock.instant());
        audit.recordAlone(actor, "dane.reconcile", null, "queued=" + queued);
        return queued;
    }
}
