package io.mailca.registration;

import io.mailca.dane.TlsaJobs;
import io.mailca.issuance.BadCsrException;
import io.mailca.issuance.CertificateAuthority;
import io.mailca.issuance.CheckedCsr;
import io.mailca.issuance.CertificateAuthority.RequestedCertificate;
import io.mailca.issuance.CertificateProfiles;
import io.mailca.policy.Decision;
import io.mailca.policy.IdentifierPolicy;
import io.mailca.policy.NameScope;
import io.mailca.registration.AcmeProblem.Subproblem;
import io.mailca.store.Account;
import io.mailca.store.AuditLog;
import io.mailca.store.Authorization;
import io.mailca.store.Authorizations;
import io.mailca.store.Certificates;
import io.mailca.store.Challenge;
import io.mailca.store.Ids;
import io.mailca.store.IssuedCertificate;
import io.mailca.store.Order;
import io.mailca.store.Orders;
import io.mailca.validation.CaaCheck;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Orders (RFC 8555 §7.4): creation with policy checks and authorization reuse, the status
 * machine of §7.1.6, and finalization, which signs.
 */
@ApplicationScoped
public class OrderService {
    /** Challenge types offered for every dns identifier. */
    static final List<String> CHALLENGE_TYPES = List.of("http-01", "dns-01", "tls-alpn-01");

    /** How long a CAA check at validation time holds for finalize (CA/B BR §3.2.2.8 uses 8h). */
    static final Duration CAA_VALID_FOR = Duration.ofHours(8);

    private final Orders orders;
    private final Authorizations authorizations;
    private final Certificates certificates;
    private final IdentifierPolicy policy;
    private final CertificateAuthority ca;
    private final AuditLog audit;
    private final Lifetimes lifetimes;
    private final CaaCheck caa;
    private final Clock clock;
    private final TlsaJobs tlsaJobs;

    // Injected by field so that the constructor other changes touch stays as it is.
    @Inject
    CertificateProfiles profiles;

    @Inject
    RenewalInfo renewalInfo;

    @Inject
    RateLimits rateLimits;

    OrderService(Orders orders, Authorizations authorizations, Certificates certificates,
            IdentifierPolicy policy, CertificateAuthority ca, AuditLog audit,
            Lifetimes lifetimes, CaaCheck caa, Clock clock, TlsaJobs tlsaJobs) {
        this.orders = orders;
        this.authorizations = authorizations;
        this.certificates = certificates;
        this.policy = policy;
        this.ca = ca;
        this.audit = audit;
        this.lifetimes = lifetimes;
        this.caa = caa;
        this.clock = clock;
        this.tlsaJobs = tlsaJobs;
    }

    /** What a {@code newOrder} payload asks for. */
    public record NewOrder(List<Identifier> identifiers, String notBefore, String notAfter,
            String profile, String replaces) {
        public NewOrder(List<Identifier> identifiers, String notBefore, String notAfter) {
            this(identifiers, notBefore, notAfter, null, null);
        }
    }

    /** What {@code newAuthz} created or found (RFC 8555 §7.4.1). */
    public record PreAuthorization(Authorization authorization, List<Challenge> challenges,
            boolean created) {
    }

    /**
     * RFC 8555 §7.4: checks every identifier against the policy, then creates the order with an
     * authorization per identifier, reusing the account's current ones. A refused order creates
     * nothing but an audit row.
     */
    @Transactional(dontRollbackOn = AcmeProblem.class)
    public Order newOrder(Account account, NewOrder request) {
        if (request.notBefore() != null || request.notAfter() != null) {
            throw new AcmeProblem(ProblemType.MALFORMED, "notBefore and notAfter are not"
                    + " supported: MailCA sets the validity period from its certificate profile");
        }
        var names = decide(account, request.identifiers());
        var profile = profileOf(request.profile());
        var replaced = request.replaces() == null ? null
                : renewalInfo.checkReplaces(account, request.replaces(), names);
        rateLimits.admitOrder(account, names);

        var now = clock.instant();
        var order = new Order();
        order.id = Ids.random();
        order.accountId = account.id;
        order.createdAt = now;
        order.identifiers = String.join("\n",
                names.stream().map(n -> Identifier.dns(n).encoded()).toList());
        var expires = now.plus(lifetimes.pending());
        var allValid = true;
        for (var name : names) {
            var authz = authorizationFor(account, name, now);
            order.authorizationIds.add(authz.id);
            expires = authz.expiresAt.isBefore(expires) ? authz.expiresAt : expires;
            allValid &= "valid".equals(authz.status);
        }
        order.expiresAt = expires;
        order.status = allValid ? "ready" : "pending";
        order.profile = profile.name();
        order.replaces = request.replaces();
        order.replacesCertificateId = replaced;
        orders.add(order);
        return order;
    }

    /**
     * RFC 8555 §7.4.1: pre-authorization. Checks the identifier against the policy like an
     * order would, then hands out the account's current authorization for it or a new
     * pending one, which a later order reuses.
     */
    @Transactional(dontRollbackOn = AcmeProblem.class)
    public PreAuthorization preAuthorize(Account account, Identifier identifier) {
        if (identifier != null && identifier.value() != null
                && identifier.value().startsWith("*.")) {
            throw new AcmeProblem(ProblemType.MALFORMED, "a wildcard name cannot be"
                    + " pre-authorized (RFC 8555 §7.4.1); place an order for it");
        }
        var name = decide(account, java.util.Collections.singletonList(identifier)).get(0);
        rateLimits.admitPreAuthorization(account);

        var now = clock.instant();
        var before = authorizations.reusable(account.id, name, false,
                now.plus(Duration.ofDays(1)));
        var authz = authorizationFor(account, name, now);
        authorizations.flush();
        return new PreAuthorization(authz, authorizations.challengesOf(authz.id),
                before.isEmpty());
    }

    /** An order of the account, with its status brought up to date. */
    @Transactional
    public Order get(Account account, String orderId) {
        var order = orders.byId(orderId).orElseThrow(() -> notFound("order"));
        requireOwner(account, order.accountId);
        refresh(order);
        return order;
    }

    /** One page of the account's orders (§7.1.2.1). */
    @Transactional
    public List<Order> listOf(Account account, int offset, int limit) {
        return orders.pageOfAccount(account.id, offset, limit);
    }

    /**
     * RFC 8555 §7.4: checks the CSR against the order, the policy and CAA, signs, and stores
     * the certificate. The checks (which may ask DNS) run before the order row is locked; the
     * lock then keeps two finalize requests from both signing, and signing is local and quick.
     */
    @Transactional(dontRollbackOn = AcmeProblem.class)
    public Order finalizeOrder(Account account, PublicKey accountKey, String orderId,
            byte[] csrDer) {
        var order = orders.byId(orderId).orElseThrow(() -> notFound("order"));
        requireOwner(account, order.accountId);
        refresh(order);
        if (!"ready".equals(order.status)) {
            throw new AcmeProblem(ProblemType.ORDER_NOT_READY, "the order is " + order.status
                    + "; only a ready order can be finalized");
        }

        // 1. The CSR must be well formed, signed, and carry an acceptable key.
        CheckedCsr csr;
        try {
            csr = ca.checkCsr(csrDer);
        } catch (BadCsrException e) {
            throw new AcmeProblem(ProblemType.BAD_CSR, e.getMessage());
        }
        // 2. It must name exactly the order's identifiers.
        var ordered = new TreeSet<>(namesOf(order));
        var requested = new TreeSet<>(csr.names());
        if (!ordered.equals(requested)) {
            throw new AcmeProblem(ProblemType.BAD_CSR, namesMismatch(ordered, requested));
        }
        // 3. The certificate key must not be the account key (RFC 8555 §11.1).
        if (Arrays.equals(csr.publicKey().getEncoded(), accountKey.getEncoded())) {
            throw new AcmeProblem(ProblemType.BAD_CSR,
                    "the CSR's key is the account key; use a separate key for the certificate");
        }
        // 4. The names must still be mail hosts now, not only when the order was placed, and
        // CAA must still allow them when the check at validation is older than 8 hours.
        var scope = NameScope.parse(account.nameScope);
        var refusals = new ArrayList<Subproblem>();
        for (var name : ordered) {
            var decision = policy.check(Identifier.DNS, name, scope);
            if (!decision.isAllowed()) {
                refusals.add(new Subproblem(typeOf(decision), decision.reason(),
                        Identifier.dns(name)));
            }
        }
        if (!refusals.isEmpty()) {
            throw refusedAtFinalize(account, order, ordered, new AcmeProblem(
                    ProblemType.REJECTED_IDENTIFIER, "the policy no longer allows these names",
                    refusals));
        }
        var caaRefusals = recheckCaa(account, order);
        if (!caaRefusals.isEmpty()) {
            throw refusedAtFinalize(account, order, ordered, new AcmeProblem(ProblemType.CAA,
                    caaRefusals.size() == 1 ? caaRefusals.get(0).detail()
                            : "CAA forbids " + caaRefusals.size() + " names; see subproblems",
                    caaRefusals));
        }

        // 5. Sign, with an audit event before and after, under the order's lock. Both join the
        // chain (and the audit log) as this transaction commits, with the certificate: a
        // signature whose transaction rolls back was never handed to anyone.
        order = orders.byIdForUpdate(orderId).orElseThrow(() -> notFound("order"));
        refresh(order);
        if (!"ready".equals(order.status)) {
            throw new AcmeProblem(ProblemType.ORDER_NOT_READY, "the order is " + order.status
                    + "; only a ready order can be finalized");
        }
        rateLimits.admitCertificate(ordered);
        var profileName = order.profile;
        var profile = profileName == null ? profiles.defaultProfile()
                : profiles.byName(profileName).orElseThrow(() -> new AcmeProblem(
                        ProblemType.INVALID_PROFILE, "profile " + profileName
                                + " is no longer offered; place a new order"));
        order.status = "processing";
        audit.record("account:" + account.id, "certificate.signing", order.id,
                "names=" + ordered);
        var names = List.copyOf(ordered);
        var signed = ca.issue(new RequestedCertificate(csr.publicKey(), names),
                profile.validity(), serial -> !certificates.serialExists(serial));

        // 6. Store, and finish the order.
        var cert = new IssuedCertificate();
        cert.id = Ids.random();
        cert.serialHex = signed.serialHex();
        cert.accountId = account.id;
        cert.orderId = order.id;
        cert.issuerId = signed.issuerId();
        cert.pem = signed.leafPem();
        cert.names = String.join(",", names);
        cert.spkiSha256 = signed.spkiSha256();
        cert.notBefore = signed.notBefore();
        cert.notAfter = signed.notAfter();
        cert.status = IssuedCertificate.VALID;
        cert.createdAt = clock.instant();
        cert.profile = profile.name();
        certificates.add(cert);
        rateLimits.recordCertificate(names);
        order.certificateId = cert.id;
        order.status = "valid";
        audit.record("account:" + account.id, "certificate.issued", "serial:" + cert.serialHex,
                "order=" + order.id + " names=" + cert.names + " notAfter=" + cert.notAfter);

        // 7. Queue the TLSA publication in this transaction (outbox): it commits with the
        // certificate, so a crash or a DNS outage loses nothing.
        tlsaJobs.issued(names);
        return order;
    }

    private AcmeProblem refusedAtFinalize(Account account, Order order, Set<String> names,
            AcmeProblem problem) {
        var locked = orders.byIdForUpdate(order.id).orElse(order);
        refresh(locked);
        if ("ready".equals(locked.status)) {
            locked.status = "invalid";
            locked.error = Problems.json(problem.type(), problem.detail());
        }
        audit.record("account:" + account.id, "order.refused-at-finalize", order.id,
                "names=" + names + " problem=" + problem.type().shortName());
        return problem;
    }

    /**
     * RFC 8659 §3 at finalize: asks CAA again for each authorization whose last check is older
     * than {@link #CAA_VALID_FOR}, with the method that validated it (RFC 8657 §4).
     */
    private List<Subproblem> recheckCaa(Account account, Order order) {
        if (!caa.enabled()) {
            return List.of();
        }
        var now = clock.instant();
        var refusals = new ArrayList<Subproblem>();
        for (var authz : authorizations.byIds(order.authorizationIds)) {
            if (authz.caaCheckedAt != null
                    && authz.caaCheckedAt.isAfter(now.minus(CAA_VALID_FOR))) {
                continue;
            }
            var method = authorizations.challengesOf(authz.id).stream()
                    .filter(c -> "valid".equals(c.status)).map(c -> c.type).findFirst()
                    .orElse("");
            var outcome = caa.check(authz.identifierValue, authz.wildcard, account.id, method);
            if (outcome.valid()) {
                authz.caaCheckedAt = now;
            } else {
                var shown = authz.wildcard ? "*." + authz.identifierValue : authz.identifierValue;
                refusals.add(new Subproblem(ProblemType.ofShortName(outcome.problemType()),
                        outcome.detail(), Identifier.dns(shown)));
            }
        }
        return refusals;
    }

    /** §7.4.2: the PEM chain of a certificate the account ordered. */
    @Transactional
    public String certificateChain(Account account, String certificateId) {
        var cert = certificates.byId(certificateId).orElseThrow(() -> notFound("certificate"));
        requireOwner(account, cert.accountId);
        return ca.chainPem(cert.pem, cert.issuerId);
    }

    /** The identifiers of an order. */
    public static List<Identifier> identifiersOf(Order order) {
        return Arrays.stream(order.identifiers.split("\n")).map(Identifier::decode).toList();
    }

    /**
     * Brings a stored status up to date: an order expires, fails with a failed authorization,
     * and becomes ready when its last authorization is valid (§7.1.6).
     */
    void refresh(Order order) {
        if (!"pending".equals(order.status) && !"ready".equals(order.status)) {
            return;
        }
        var now = clock.instant();
        if (!now.isBefore(order.expiresAt)) {
            order.status = "invalid";
            order.error = Problems.json(ProblemType.MALFORMED, "the order expired");
            return;
        }
        var authzs = authorizations.byIds(order.authorizationIds);
        for (var authz : authzs) {
            AuthorizationService.refresh(authz, now);
        }
        var failed = authzs.stream().filter(a -> !"valid".equals(a.status)
                && !"pending".equals(a.status)).findFirst();
        if (failed.isPresent()) {
            order.status = "invalid";
            order.error = Problems.json(ProblemType.UNAUTHORIZED, "the authorization for "
                    + failed.get().identifierValue + " is " + failed.get().status);
        } else if (authzs.stream().allMatch(a -> "valid".equals(a.status))) {
            order.status = "ready";
        }
    }

    private List<String> decide(Account account, List<Identifier> identifiers) {
        if (identifiers == null || identifiers.isEmpty()) {
            throw new AcmeProblem(ProblemType.MALFORMED, "an order needs at least one identifier");
        }
        if (identifiers.size() > policy.maxIdentifiersPerOrder()) {
            throw refused(account, new AcmeProblem(ProblemType.REJECTED_IDENTIFIER,
                    "an order may carry at most " + policy.maxIdentifiersPerOrder()
                            + " identifiers"), identifiers);
        }
        var names = new LinkedHashSet<String>();
        var refusals = new ArrayList<Subproblem>();
        var scope = NameScope.parse(account.nameScope);
        for (var identifier : identifiers) {
            if (identifier == null || identifier.type() == null || identifier.value() == null) {
                throw new AcmeProblem(ProblemType.MALFORMED,
                        "every identifier needs a type and a value");
            }
            var decision = policy.check(identifier.type(), identifier.value(), scope);
            if (decision.isAllowed()) {
                names.add(decision.normalized());
            } else {
                refusals.add(new Subproblem(typeOf(decision), decision.reason(), identifier));
            }
        }
        if (!refusals.isEmpty()) {
            var first = refusals.get(0).type();
            var same = refusals.stream().allMatch(s -> s.type() == first);
            var detail = refusals.size() == 1 ? refusals.get(0).detail()
                    : refusals.size() + " identifiers were refused; see subproblems";
            throw refused(account, new AcmeProblem(same ? first
                    : ProblemType.REJECTED_IDENTIFIER, detail, refusals), identifiers);
        }
        return List.copyOf(names);
    }

    private CertificateProfiles.CertificateProfile profileOf(String name) {
        if (name == null) {
            return profiles.defaultProfile();
        }
        return profiles.byName(name).orElseThrow(() -> new AcmeProblem(
                ProblemType.INVALID_PROFILE, "no profile named '" + shorten(name)
                        + "'; this server offers " + String.join(", ", profiles.all().keySet())
                        + " (see meta.profiles in the directory)"));
    }

    private static String shorten(String text) {
        return text.length() > 64 ? text.substring(0, 64) + "..." : text;
    }

    private AcmeProblem refused(Account account, AcmeProblem problem, List<Identifier> ids) {
        var shown = ids.stream().limit(20).map(i -> i == null ? "null" : i.value()).toList();
        audit.recordAlone("account:" + account.id, "order.refused", null,
                "identifiers=" + shown + " reason=" + problem.detail());
        return problem;
    }

    private static ProblemType typeOf(Decision decision) {
        return switch (decision.verdict()) {
            case MALFORMED -> ProblemType.MALFORMED;
            case UNSUPPORTED -> ProblemType.UNSUPPORTED_IDENTIFIER;
            default -> ProblemType.REJECTED_IDENTIFIER;
        };
    }

    private Authorization authorizationFor(Account account, String identifier, Instant now) {
        // RFC 8555 §7.1.3: the authorization of *.NAME is for NAME, marked wildcard.
        var wildcard = identifier.startsWith("*.");
        var name = wildcard ? identifier.substring(2) : identifier;
        // An authorization that would expire within a day is not worth handing out again.
        var reusable = authorizations.reusable(account.id, name, wildcard,
                now.plus(Duration.ofDays(1)));
        if (reusable.isPresent()) {
            return reusable.get();
        }
        var authz = new Authorization();
        authz.id = Ids.random();
        authz.accountId = account.id;
        authz.identifierType = Identifier.DNS;
        authz.identifierValue = name;
        authz.wildcard = wildcard;
        authz.status = "pending";
        authz.expiresAt = now.plus(lifetimes.pending());
        authz.createdAt = now;
        authorizations.add(authz);
        // Control of NAME over HTTP says nothing of the hosts below it: dns-01 only (§8.4).
        for (var type : wildcard ? List.of("dns-01") : CHALLENGE_TYPES) {
            var challenge = new Challenge();
            challenge.id = Ids.random();
            challenge.authorizationId = authz.id;
            challenge.type = type;
            challenge.token = Ids.token();
            challenge.status = "pending";
            authorizations.add(challenge);
        }
        return authz;
    }

    private static List<String> namesOf(Order order) {
        return identifiersOf(order).stream().map(Identifier::value).toList();
    }

    private static String namesMismatch(Set<String> ordered, Set<String> requested) {
        var missing = new TreeSet<>(ordered);
        missing.removeAll(requested);
        var extra = new TreeSet<>(requested);
        extra.removeAll(ordered);
        var detail = new StringBuilder("the CSR must name exactly the order's identifiers");
        if (!missing.isEmpty()) {
            detail.append("; missing: ").append(String.join(", ", missing));
        }
        if (!extra.isEmpty()) {
            detail.append("; not in the order: ").append(String.join(", ", extra));
        }
        return detail.toString();
    }

    static AcmeProblem notFound(String what) {
        return new AcmeProblem(ProblemType.MALFORMED, 404, "no such " + what, List.of(), null);
    }

    static void requireOwner(Account account, String ownerId) {
        if (!account.id.equals(ownerId)) {
            throw new AcmeProblem(ProblemType.UNAUTHORIZED,
                    "this object belongs to another account");
        }
    }
}
