package io.mailca.store;

import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Anti-replay nonces kept in the database, so a nonce from one replica is honoured by any other
 * and used at most once across all of them (RFC 8555 §6.5).
 */
@ApplicationScoped
public class Nonces {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final boolean postgres;

    Nonces(@ConfigProperty(name = "quarkus.datasource.jdbc.url") String jdbcUrl) {
        this.postgres = jdbcUrl.startsWith("jdbc:postgresql:");
    }

    /**
     * Stores and returns a fresh nonce valid until {@code expiresAt}.
     *
     * <p>Every response carries one (§6.5), so this commit is the most frequent of all. On
     * PostgreSQL it does not wait for the WAL flush ({@code synchronous_commit} off for this
     * transaction only): the row is visible to every replica at once, and a crash of the
     * database can lose at most a nonce not yet used, which costs the client one
     * {@code badNonce} and a retry with the fresh nonce that comes with it (§6.5), never an
     * acceptance. Consuming a nonce stays a durable commit: a used nonce must stay used.
     */
    @Transactional
    public String issue(Instant expiresAt) {
        if (postgres) {
            Panache.getEntityManager().createNativeQuery("set local synchronous_commit to off")
                    .executeUpdate();
        }
        var bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        var nonce = new Nonce();
        nonce.value = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        nonce.expiresAt = expiresAt;
        nonce.persist();
        return nonce.value;
    }

    /**
     * Uses up a nonce. Deleting the row is the test: of two requests racing with one nonce,
     * exactly one deletes it.
     */
    @Transactional
    public boolean consume(String value, Instant now) {
        if (value == null || value.length() > 64) {
            return false;
        }
        return Nonce.delete("value = ?1 and expiresAt > ?2", value, now) == 1;
    }

    /** Deletes expired nonces; returns how many. */
    @Transactional
    public long purgeExpired(Instant now) {
        return Nonce.delete("expiresAt <= ?1", now);
    }
}
