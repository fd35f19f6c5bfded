package io.mailca.registration;

import io.mailca.store.Account;
import io.mailca.store.Accounts;
import io.mailca.store.AuditLog;
import io.mailca.store.Authorization;
import io.mailca.store.Authorizations;
import io.mailca.store.Challenge;
import io.mailca.store.Order;
import io.mailca.store.Orders;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Authorizations and challenges (RFC 8555 §7.5): reading them, deactivating an authorization,
 * accepting a client's "ready" on a challenge, and recording a validation's outcome.
 */
@ApplicationScoped
public class AuthorizationService {
    private final Authorizations authorizations;
    private final Accounts accounts;
    private final Orders orders;
    private final AuditLog audit;
    private final Lifetimes lifetimes;
    private final Clock clock;

    AuthorizationService(Authorizations authorizations, Accounts accounts, Orders orders,
            AuditLog audit, Lifetimes lifetimes, Clock clock) {
        this.authorizations = authorizations;
        this.accounts = accounts;
        this.orders = orders;
        this.audit = audit;
        this.lifetimes = lifetimes;
        this.clock = clock;
    }

    /** An authorization with its challenges, as the account may see it. */
    public record AuthorizationView(Authorization authorization, List<Challenge> challenges) {
    }

    /** A challenge and the authorization it belongs to. */
    public record ChallengeView(Challenge challenge, Authorization authorization) {
    }

    /**
     * What a validator needs to check a challenge, read in one short transaction; the account
     * and the wildcard flag are for the CAA check that follows a successful one (RFC 8657).
     */
    public record ValidationTask(String challengeId, String type, String identifier,
            String token, String keyAuthorization, String accountId, boolean wildcard) {
    }

    @Transactional
    public AuthorizationView get(Account account, String authorizationId) {
        var authz = authorizations.byId(authorizationId)
                .orElseThrow(() -> OrderService.notFound("authorization"));
        OrderService.requireOwner(account, authz.accountId);
        refresh(authz, clock.instant());
        return new AuthorizationView(authz, authorizations.challengesOf(authz.id));
    }

    /** RFC 8555 §7.5.2: the client gives up an authorization it holds. */
    @Transactional
    public AuthorizationView deactivate(Account account, String authorizationId) {
        var view = get(account, authorizationId);
        var authz = view.authorization();
        if (!"pending".equals(authz.status) && !"valid".equals(authz.status)) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "only a pending or valid authorization can be deactivated; this one is "
                            + authz.status);
        }
        authz.status = "deactivated";
        audit.record("account:" + account.id, "authorization.deactivated", authz.id,
                "identifier=" + authz.identifierValue);
        return view;
    }

    @Transactional
    public ChallengeView challenge(Account account, String challengeId) {
        var challenge = authorizations.challenge(challengeId)
                .orElseThrow(() -> OrderService.notFound("challenge"));
        var authz = authorizations.byId(challenge.authorizationId).orElseThrow();
        OrderService.requireOwner(account, authz.accountId);
        refresh(authz, clock.instant());
        return new ChallengeView(challenge, authz);
    }

    /**
     * RFC 8555 §7.5.1: the client says it is ready. A pending challenge of a pending
     * authorization moves to {@code processing} and is returned with the task to run; any other
     * state is returned unchanged, so a repeated POST is harmless.
     */
    @Transactional
    public ChallengeView respond(Account account, String challengeId, String thumbprint,
            List<ValidationTask> tasks) {
        var view = challenge(account, challengeId);
        var challenge = view.challenge();
        if (!"pending".equals(view.authorization().status)) {
            if ("pending".equals(challenge.status)) {
                throw new AcmeProblem(ProblemType.MALFORMED, "the authorization is "
                        + view.authorization().status + "; its challenges can no longer be"
                        + " answered");
            }
            return view;
        }
        if (!"pending".equals(challenge.status)) {
            return view;
        }
        challenge.status = "processing";
        challenge.startedAt = clock.instant();
        tasks.add(new ValidationTask(challenge.id, challenge.type,
                view.authorization().identifierValue, challenge.token,
                challenge.token + "." + thumbprint, account.id,
                view.authorization().wildcard));
        return view;
    }

    /**
     * Takes over challenges left in {@code processing} by a worker that died. The claim is a
     * conditional update, so of several replicas sweeping at once only one runs each task.
     */
    @Transactional
    public List<ValidationTask> reclaimStale(Instant startedBefore, int limit) {
        var now = clock.instant();
        var tasks = new ArrayList<ValidationTask>();
        for (var challenge : authorizations.staleProcessing(startedBefore, limit)) {
            if (!authorizations.claim(challenge.id, challenge.startedAt, now)) {
                continue;
            }
            var authz = authorizations.byId(challenge.authorizationId).orElseThrow();
            var account = accounts.byId(authz.accountId).orElseThrow();
            tasks.add(new ValidationTask(challenge.id, challenge.type, authz.identifierValue,
                    challenge.token, challenge.token + "." + account.jwkThumbprint, account.id,
                    authz.wildcard));
        }
        return tasks;
    }

    /**
     * Records a validation outcome (RFC 8555 §7.1.6): the challenge and its authorization become
     * valid or invalid, and the orders waiting on the authorization move with them. Orders are
     * locked before their authorizations are read, so that two authorizations of one order
     * finishing together cannot both miss the moment the order becomes ready.
     */
    @Transactional
    public void complete(String challengeId, boolean valid, ProblemType problemType,
            String detail) {
        complete(challengeId, valid, problemType, detail, null);
    }

    /**
     * As {@link #complete(String, boolean, ProblemType, String)}, noting when CAA (RFC 8659)
     * allowed the name, so that finalize need not ask again for a while.
     */
    @Transactional
    public void complete(String challengeId, boolean valid, ProblemType problemType,
            String detail, Instant caaCheckedAt) {
        var challenge = authorizations.challenge(challengeId).orElse(null);
        if (challenge == null || !"processing".equals(challenge.status)) {
            return;
        }
        var authz = authorizations.byId(challenge.authorizationId).orElseThrow();
        var now = clock.instant();
        var waiting = orders.usingAuthorization(authz.id, "pending");
        for (var order : waiting) {
            orders.byIdForUpdate(order.id);
        }

        if (valid) {
            challenge.status = "valid";
            challenge.validatedAt = now;
            if ("pending".equals(authz.status)) {
                authz.status = "valid";
                authz.expiresAt = now.plus(lifetimes.validAuthorization());
                authz.caaCheckedAt = caaCheckedAt;
            }
        } else {
            challenge.status = "invalid";
            challenge.error = Problems.json(problemType, detail);
            if ("pending".equals(authz.status)) {
                authz.status = "invalid";
            }
        }
        audit.record("validation", valid ? "challenge.valid" : "challenge.invalid",
                authz.identifierValue, "type=" + challenge.type + " authz=" + authz.id
                        + (valid ? "" : " problem=" + problemType.shortName() + " " + detail));
        authorizations.flush();

        for (var order : waiting) {
            updateOrder(order, now);
        }
    }

    private void updateOrder(Order order, Instant now) {
        var authzs = authorizations.byIds(order.authorizationIds);
        var failed = authzs.stream().filter(a -> "invalid".equals(a.status)).findFirst();
        if (failed.isPresent()) {
            order.status = "invalid";
            var error = authorizations.challengesOf(failed.get().id).stream()
                    .filter(c -> c.error != null).map(c -> c.error).findFirst();
            order.error = error.orElse(Problems.json(ProblemType.UNAUTHORIZED,
                    "the authorization for " + failed.get().identifierValue + " failed"));
        } else if (authzs.stream().allMatch(a -> "valid".equals(a.status))) {
            order.status = "ready";
        }
    }

    /** Marks an authorization expired once its time has passed (§7.1.6). */
    static void refresh(Authorization authz, Instant now) {
        var live = "pending".equals(authz.status) || "valid".equals(authz.status);
        if (live && !now.isBefore(authz.expiresAt)) {
            authz.status = "expired";
        }
    }
}
