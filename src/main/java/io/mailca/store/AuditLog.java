package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import org.jboss.logging.Logger;

/**
 * The append-only audit log. Every row is also written to the {@code audit} log category, so
 * an operator's log pipeline sees what the database keeps.
 */
@ApplicationScoped
public class AuditLog {
    private static final Logger LOG = Logger.getLogger("audit");

    private final Clock clock;

    AuditLog(Clock clock) {
        this.clock = clock;
    }

    /**
     * Appends an event inside the caller's transaction, so that the event and the change it
     * describes commit or roll back together.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String actor, String action, String target, String details) {
        var event = new AuditEvent();
        event.occurredAt = clock.instant();
        event.actor = actor;
        event.action = action;
        event.target = target;
        event.details = details;
        event.persist();

        LOG.infof("actor=%s action=%s target=%s %s", actor, action, target,
                details == null ? "" : details);
    }

    /** Appends an event in a transaction of its own, for refusals that change nothing else. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void recordAlone(String actor, String action, String target, String details) {
        record(actor, action, target, details);
    }
}
