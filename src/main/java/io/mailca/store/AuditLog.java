package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * The append-only audit log, the one writer of {@code audit_event}. Every row carries the hash
 * of the row before it, so that a changed, removed or inserted row breaks the chain
 * ({@link #verify()}). Every row is also written to the {@code audit} log category with its
 * hash, so an operator's log pipeline holds a copy of the chain outside the database.
 *
 * <p>Appending locks the one row of {@code audit_head} until the caller's transaction ends:
 * replicas sharing a database append one at a time, and the chain has no forks. So that this
 * lock, which every audited change of every replica takes, is held for the commit only and
 * not across the work of the transaction (a finalize signs and stores while it would hold
 * it), {@link #record} keeps its events with the transaction and appends them, in the order
 * recorded, just before the transaction commits. They still commit or roll back with the
 * change they describe.
 */
@ApplicationScoped
public class AuditLog {
    /** The hash a chain starts from. */
    public static final String GENESIS = "0".repeat(64);

    private static final Logger LOG = Logger.getLogger("audit");
    private static final int VERIFY_BATCH = 500;
    /** Key of this transaction's pending events in the transaction's resources. */
    private static final Object PENDING = AuditLog.class.getName() + ".pending";

    private final Clock clock;
    private final TransactionSynchronizationRegistry transactions;
    private final DataSource dataSource;

    AuditLog(Clock clock, TransactionSynchronizationRegistry transactions,
            DataSource dataSource) {
        this.clock = clock;
        this.transactions = transactions;
        this.dataSource = dataSource;
    }

    /** What a verification of the chain found. */
    public record Verification(boolean intact, long checked, long unchained, Long brokenAt,
            String problem) {
    }

    /**
     * Appends an event inside the caller's transaction, so that the event and the change it
     * describes commit or roll back together. The event is stamped now; it joins the chain
     * (and the {@code audit} log category) when the transaction is about to commit.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String actor, String action, String target, String details) {
        var event = new AuditEvent();
        // PostgreSQL keeps microseconds; a finer instant would not hash the same when read back.
        event.occurredAt = clock.instant().truncatedTo(ChronoUnit.MICROS);
        event.actor = actor;
        event.action = action;
        event.target = target;
        event.details = details;
        pendingEvents().add(event);
    }

    /** The events this transaction recorded and has not appended yet. */
    @SuppressWarnings("unchecked")
    private List<AuditEvent> pendingEvents() {
        var pending = (List<AuditEvent>) transactions.getResource(PENDING);
        if (pending == null) {
            var events = new ArrayList<AuditEvent>();
            transactions.putResource(PENDING, events);
            transactions.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                    // A failure here rolls the transaction back: no change without its event.
                    if (!transactions.getRollbackOnly()) {
                        append(events);
                    }
                }

                @Override
                public void afterCompletion(int status) {
                    // Nothing to release: the head's row lock ends with the transaction.
                }
            });
            pending = events;
        }
        return pending;
    }

    /**
     * Appends the events to the chain in the committing transaction, in plain JDBC: by the
     * time this runs Hibernate has flushed, and a connection it took now would stay open past
     * the pool's own check before commit. The connection is the transaction's own.
     */
    private void append(List<AuditEvent> events) {
        try (var connection = dataSource.getConnection()) {
            if (connection.getAutoCommit()) {
                throw new IllegalStateException("audit events must commit with their change");
            }
            String lastHash;
            try (var lock = connection.prepareStatement(
                    "select last_hash from audit_head where id = 1 for update");
                    var head = lock.executeQuery()) {
                if (!head.next()) {
                    throw new IllegalStateException("audit_head has no row");
                }
                lastHash = head.getString(1);
            }
            for (var event : events) {
                event.prevHash = lastHash;
                event.id = insert(connection, event);
                event.rowHash = hashOf(event);
                try (var update = connection.prepareStatement(
                        "update audit_event set row_hash = ? where id = ?")) {
                    update.setString(1, event.rowHash);
                    update.setLong(2, event.id);
                    update.executeUpdate();
                }
                lastHash = event.rowHash;
                LOG.infof("actor=%s action=%s target=%s %s hash=%s", event.actor, event.action,
                        event.target, event.details == null ? "" : event.details,
                        event.rowHash);
            }
            try (var update = connection.prepareStatement(
                    "update audit_head set last_hash = ?, last_event_id = ? where id = 1")) {
                update.setString(1, lastHash);
                update.setLong(2, events.get(events.size() - 1).id);
                update.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("appending to the audit chain failed", e);
        }
    }

    private static long insert(Connection connection, AuditEvent event) throws SQLException {
        try (var insert = connection.prepareStatement("insert into audit_event (occurred_at,"
                + " actor, action, target, details, prev_hash) values (?, ?, ?, ?, ?, ?)",
                new String[] {"id"})) {
            insert.setObject(1, OffsetDateTime.ofInstant(event.occurredAt, ZoneOffset.UTC));
            insert.setString(2, event.actor);
            insert.setString(3, event.action);
            insert.setString(4, event.target);
            insert.setString(5, event.details);
            insert.setString(6, event.prevHash);
            insert.executeUpdate();
            try (var keys = insert.getGeneratedKeys()) {
                if (!keys.next()) {
                    throw new IllegalStateException("no id for the audit event");
                }
                return keys.getLong(1);
            }
        }
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
