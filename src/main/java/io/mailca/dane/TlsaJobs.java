package io.mailca.dane;

import io.mailca.store.DaneRows;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashSet;
import org.jboss.logging.Logger;

/**
 * Queues TLSA work in the caller's transaction (the outbox of DESIGN.md, step 4): the job
 * commits with the certificate or revocation that caused it, or not at all.
 */
@ApplicationScoped
public class TlsaJobs {
    private static final Logger LOG = Logger.getLogger(TlsaJobs.class);

    private final DaneRows rows;
    private final Clock clock;

    TlsaJobs(DaneRows rows, Clock clock) {
        this.rows = rows;
        this.clock = clock;
    }

    /** A certificate for {@code hosts} was stored: publish its key (RFC 7671 §8.1). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void issued(Collection<String> hosts) {
        queue(hosts, "issued");
    }

    /**
     * A certificate for {@code hosts} was revoked with {@code reason} (RFC 5280 §5.3.1). For
     * keyCompromise its record and the hosts' DANE-TA record go at once: say loudly that the
     * replacement must be deployed first, or the hosts' DANE-verified mail stops.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void revoked(Collection<String> hosts, String serialHex, int reason) {
        if (reason == DesiredRrset.KEY_COMPROMISE) {
            LOG.errorf("certificate %s of %s was revoked for key compromise: its TLSA record"
                    + " and the hosts' DANE-TA (2 x x) record are withdrawn now. DEPLOY THE"
                    + " REPLACEMENT CERTIFICATE on these hosts first, or sending MTAs that"
                    + " enforce DANE will refuse to deliver mail to them", serialHex, hosts);
        }
        queue(hosts, reason == DesiredRrset.KEY_COMPROMISE ? "key-compromise" : "revoked");
    }

    private void queue(Collection<String> hosts, String cause) {
        var now = clock.instant();
        for (var host : new LinkedHashSet<>(hosts)) {
            rows.enqueue(host, cause, now);
        }
    }
}
