package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;

/**
 * Rate-limit counters in the database, so that every replica counts the same events. Callers
 * hold the transaction.
 */
@ApplicationScoped
public class RateLimitEvents {
    /** How many events of a limit and subject happened since {@code since}. */
    public long countSince(String limitName, String subject, Instant since) {
        return RateLimitEvent.count("limitName = ?1 and subject = ?2 and occurredAt > ?3",
                limitName, subject, since);
    }

    /** The oldest event still inside the window, which leaves it first. */
    public Optional<Instant> oldestSince(String limitName, String subject, Instant since) {
        return RateLimitEvent.<RateLimitEvent>find(
                "limitName = ?1 and subject = ?2 and occurredAt > ?3 order by occurredAt",
                limitName, subject, since).firstResultOptional().map(e -> e.occurredAt);
    }

    public void record(String limitName, String subject, Instant at) {
        var event = new RateLimitEvent();
        event.limitName = limitName;
        event.subject = subject;
        event.occurredAt = at;
        event.persist();
    }

    /** Drops events that no window counts any more. */
    public long purge(String limitName, String subject, Instant before) {
        return RateLimitEvent.delete("limitName = ?1 and subject = ?2 and occurredAt <= ?3",
                limitName, subject, before);
    }
}
