package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;

/**
 * Anti-replay nonces kept in the database, so a nonce from one replica is honoured by any other
 * and used at most once across all of them (RFC 8555 §6.5).
 */
@ApplicationScoped
public class Nonces {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Stores and returns a fresh nonce valid until {@code expiresAt}. */
    @Transactional
    public String issue(Instant expiresAt) {
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
