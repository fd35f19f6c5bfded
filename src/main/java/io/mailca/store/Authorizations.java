package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Queries over {@link Authorization} and {@link Challenge}. Callers hold the transaction. */
@ApplicationScoped
public class Authorizations {
    public Optional<Authorization> byId(String id) {
        return Optional.ofNullable(Authorization.findById(id));
    }

    public List<Authorization> byIds(Collection<String> ids) {
        return Authorization.list("id in ?1", ids);
    }

    /**
     * An authorization the account may reuse for the identifier: valid or pending, and not
     * expiring before {@code usableUntil}. Valid ones are preferred.
     */
    public Optional<Authorization> reusable(String accountId, String identifierValue,
            boolean wildcard, Instant usableUntil) {
        return Authorization.<Authorization>find(
                "accountId = ?1 and identifierValue = ?2 and wildcard = ?3"
                        + " and status in ('valid', 'pending') and expiresAt > ?4"
                        + " order by status desc, expiresAt desc",
                accountId, identifierValue, wildcard, usableUntil).firstResultOptional();
    }

    /** Valid authorizations of an account for one identifier, for revocation (§7.6). */
    public boolean accountHoldsValid(String accountId, String identifierValue, Instant now) {
        return Authorization.count(
                "accountId = ?1 and identifierValue = ?2 and status = 'valid' and expiresAt > ?3",
                accountId, identifierValue, now) > 0;
    }

    public List<Authorization> pendingOfAccount(String accountId) {
        return Authorization.list("accountId = ?1 and status = 'pending'", accountId);
    }

    public void add(Authorization authorization) {
        authorization.persist();
    }

    public List<Challenge> challengesOf(String authorizationId) {
        return Challenge.list("authorizationId = ?1 order by type", authorizationId);
    }

    public Optional<Challenge> challenge(String id) {
        return Optional.ofNullable(Challenge.findById(id));
    }

    public void add(Challenge challenge) {
        challenge.persist();
    }

    /** Challenges a validator took before {@code startedBefore} and never finished. */
    public List<Challenge> staleProcessing(Instant startedBefore, int limit) {
        return Challenge.<Challenge>find(
                "status = 'processing' and startedAt < ?1", startedBefore).range(0, limit - 1)
                .list();
    }

    /** Claims a stale challenge by moving its start time; true when this caller won. */
    public boolean claim(String challengeId, Instant seenStartedAt, Instant now) {
        return Challenge.update("startedAt = ?1 where id = ?2 and startedAt = ?3",
                now, challengeId, seenStartedAt) == 1;
    }

    /** Writes pending changes, so that queries later in the transaction see them. */
    public void flush() {
        Authorization.getEntityManager().flush();
    }
}
