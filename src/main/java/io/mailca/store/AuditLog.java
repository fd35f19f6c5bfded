package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The append-only audit log, the one writer of {@code audit_event}. Every row carries the hash
 * of the row before it, so that a changed, removed or inserted row breaks the chain
 * ({@link #verify()}). Every row is also written to the {@code audit} log category with its
 * hash, so an operator's log pipeline holds a copy of the chain outside the database.
 *
 * <p>Appending locks the one row of {@code audit_head} until the caller's transaction ends:
 * replicas sharing a database append one at a time, and the chain has no forks. Callers record
 * their event as late in the transaction as they can, to keep that lock short.
 */
@ApplicationScoped
public class AuditLog {
    /** The hash a chain starts from. */
    public static final String GENESIS = "0".repeat(64);

    private static final Logger LOG = Logger.getLogger("audit");
    private static final int VERIFY_BATCH = 500;

    private final Clock clock;

    AuditLog(Clock clock) {
        this.clock = clock;
    }

    /** What a verification of the chain found. */
    public record Verification(boolean intact, long checked, long unchained, Long brokenAt,
            String problem) {
    }

    /**
     * Appends an event inside the caller's transaction, so that the event and the change it
     * describes commit or roll back together.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String actor, String action, String target, String details) {
        RowLocks.lock("audit_head", 1);
        var head = AuditHead.<AuditHead>findById(1);
        AuditHead.getEntityManager().refresh(head);

        var event = new AuditEvent();
        // PostgreSQL keeps microseconds; a finer instant would not hash the same when read back.
        event.occurredAt = clock.instant().truncatedTo(ChronoUnit.MICROS);
        event.actor = actor;
        event.action = action;
        event.target = target;
        event.details = details;
        event.prevHash = head.lastHash;
        event.persist();
        event.rowHash = hashOf(event);
        head.lastEventId = event.id;
        head.lastHash = event.rowHash;

        LOG.infof("actor=%s action=%s target=%s %s hash=%s", actor, action, target,
                details == null ? "" : details, event.rowHash);
    }

    /** Appends an event in a transaction of its own, for refusals that change nothing else. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void recordAlone(String actor, String action, String target, String details) {
        record(actor, action, target, details);
    }

    /**
     * Events newest first, narrowed by any of the filters (null means any).
     *
     * @param since inclusive
     * @param until exclusive
     */
    @Transactional
    public Page<AuditEvent> page(Instant since, Instant until, String actor, String action,
            int offset, int limit) {
        var where = new ArrayList<String>();
        var params = new ArrayList<Object>();
        if (since != null) {
            params.add(since);
            where.add("occurredAt >= ?" + params.size());
        }
        if (until != null) {
            params.add(until);
            where.add("occurredAt < ?" + params.size());
        }
        if (actor != null) {
            params.add(actor);
            where.add("actor = ?" + params.size());
        }
        if (action != null) {
            params.add(action);
            where.add("action = ?" + params.size());
        }
        var query = (where.isEmpty() ? "" : String.join(" and ", where)) + " order by id desc";
        return Page.of(AuditEvent.<AuditEvent>find(query, params.toArray())
                .range(offset, offset + limit).list(), limit);
    }

    /**
     * Walks the chain from its first row: each row's {@code prev_hash} must be the hash of the
     * row before it, each {@code row_hash} must match the row's fields, and the last must be
     * the head. Rows written before the chain existed (no hash) may only precede it.
     */
    @Transactional
    public Verification verify() {
        var head = AuditHead.<AuditHead>findById(1);
        var expectedPrev = GENESIS;
        long checked = 0;
        long unchained = 0;
        Long lastId = null;
        long after = Long.MIN_VALUE;
        while (true) {
            List<AuditEvent> batch = AuditEvent.<AuditEvent>find("id > ?1 order by id", after)
                    .page(0, VERIFY_BATCH).list();
            if (batch.isEmpty()) {
                break;
            }
            for (var event : batch) {
                after = event.id;
                if (event.rowHash == null && event.prevHash == null) {
                    if (checked > 0) {
                        return broken(checked, unchained, event.id,
                                "row without a hash inside the chain");
                    }
                    unchained++;
                    continue;
                }
                if (!expectedPrev.equals(event.prevHash)) {
                    return broken(checked, unchained, event.id, "prev_hash does not match the"
                            + " hash of the row before it (a row was removed or inserted)");
                }
                if (!hashOf(event).equals(event.rowHash)) {
                    return broken(checked, unchained, event.id,
                            "row_hash does not match the row's contents (the row was changed)");
                }
                expectedPrev = event.rowHash;
                lastId = event.id;
                checked++;
            }
            AuditEvent.getEntityManager().clear();
        }
        if (!expectedPrev.equals(head.lastHash)
                || (lastId == null ? head.lastEventId != null : !lastId.equals(head.lastEventId))) {
            return broken(checked, unchained, lastId,
                    "the chain ends before the recorded head (rows were removed at its end)");
        }
        return new Verification(true, checked, unchained, null, null);
    }

    private static Verification broken(long checked, long unchained, Long at, String problem) {
        return new Verification(false, checked, unchained, at, problem);
    }

    /**
     * SHA-256, hex, over the previous hash and the row's fields, each written as its length, a
     * colon and its UTF-8 text (a null field as {@code -1:}), so that no two rows share an
     * input by moving text from one field to the next.
     */
    static String hashOf(AuditEvent event) {
        var text = new StringBuilder();
        for (var field : new String[] {event.prevHash, String.valueOf(event.id),
                event.occurredAt.toString(), event.actor, event.action, event.target,
                event.details}) {
            if (field == null) {
                text.append("-1:");
            } else {
                text.append(field.length()).append(':').append(field);
            }
        }
        try {
            var digest = MessageDigest.getInstance("SHA-256")
                    .digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
