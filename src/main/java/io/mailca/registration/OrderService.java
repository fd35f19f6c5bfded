package io.mailca.registration;

import io.mailca.dane.TlsaJobs;
import io.mailca.issuance.BadCsrException;
import io.mailca.issuance.CertificateAuthority;
import io.mailca.issuance.CheckedCsr;
import io.mailca.issuance.CertificateAuthority.RequestedCertificate;
import io.mailca.policy.Decision;
import io.mailca.policy.IdentifierPolicy;
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
import jakarta.enterprise.context.ApplicationScoped;
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
    static final List<String> CHALLENGE_TYPES = List.of("http-01", "dns-01");

    private final Orders orders;
    private final Authorizations authorizations;
    private final Certificates certificates;
    private final IdentifierPolicy policy;
    private final CertificateAuthority ca;
    private final AuditLog audit;
    private final Lifetimes lifetimes;
    private final Clock clock;
    private final TlsaJobs tlsaJobs;

    OrderService(Orders orders, Authorizations authorizations, Certificates certificates,
            IdentifierPolicy policy, CertificateAuthority ca, AuditLog audit,
            Lifetimes lifetimes, Clock clock, TlsaJobs tlsaJobs) {
        this.orders = orders;
        this.authorizations = authorizations;
        this.certificates = certificates;
        this.policy = policy;
        this.ca = ca;
        this.audit = audit;
        this.lifetimes = lifetimes;
        this.clock = clock;
        this.tlsaJobs = tlsaJobs;
    }

    /** What a {@code newOrder} payload asks for. */
    public record NewOrder(List<Identifier> identifiers, String notBefore, String notAfter) {
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
        orders.add(order);
        return order;
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
     * RFC 8555 §7.4: checks the CSR against the order and the policy, signs, and stores the
     * certificate. The order row stays locked meanwhile, so two finalize requests cannot both
     * sign; signing is local and quick, so the lock is short.
     */
    @Transactional(dontRollbackOn = AcmeProblem.class)
    public Order finalizeOrder(Account account, PublicKey accountKey, String orderId,
            byte[] csrDer) {
        var order = orders.byIdForUpdate(orderId).orElseThrow(() -> notFound("order"));
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
        // 4. The names must still be mail hosts now, not only when the order was placed.
        var refusals = new ArrayList<Subproblem>();
        for (var name : ordered) {
            var decision = policy.check(Identifier.DNS, name);
            if (!decision.isAllowed()) {
                refusals.add(new Subproblem(typeOf(decision), decision.reason(),
                        Identifier.dns(name)));
            }
        }
        if (!refusals.isEmpty()) {
            var problem = new AcmeProblem(ProblemType.REJECTED_IDENTIFIER,
                    "the policy no longer allows these names", refusals);
            order.status = "invalid";
            order.error = Problems.json(problem.type(), problem.detail());
            audit.record("account:" + account.id, "order.refused-at-finalize", order.id,
                    "names=" + ordered);
            throw problem;
        }

        // 5. Sign, with an audit line before and after.
        order.status = "processing";
        audit.record("account:" + account.id, "certificate.signing", order.id,
                "names=" + ordered);
        var names = List.copyOf(ordered);
        var signed = ca.issue(new RequestedCertificate(csr.publicKey(), names),
                serial -> !certificates.serialExists(serial));

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
        certificates.add(cert);
        order.certificateId = cert.id;
        order.status = "valid";
        audit.record("account:" + account.id, "certificate.issued", "serial:" + cert.serialHex,
                "order=" + order.id + " names=" + cert.names + " notAfter=" + cert.notAfter);

        // 7. Queue the TLSA publication in this transaction (outbox): it commits with the
        // certificate, so a crash or a DNS outage loses nothing.
        tlsaJobs.issued(names);
        return order;
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
        for (var identifier : identifiers) {
            if (identifier == null || identifier.type() == null || identifier.value() == null) {
                throw new AcmeProblem(ProblemType.MALFORMED,
                        "every identifier needs a type and a value");
            }
            var decision = policy.check(identifier.type(), identifier.value());
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

    private Authorization authorizationFor(Account account, String name, Instant now) {
        // An authorization that would expire within a day is not worth handing out again.
        var reusable = authorizations.reusable(account.id, name, false,
                now.plus(Duration.ofDays(1)));
        if (reusable.isPresent()) {
            return reusable.get();
        }
        var authz = new Authorization();
        authz.id = Ids.random();
        authz.accountId = account.id;
        authz.identifierType = Identifier.DNS;
        authz.identifierValue = name;
        authz.wildcard = false;
        authz.status = "pending";
        authz.expiresAt = now.plus(lifetimes.pending());
        authz.createdAt = now;
        authorizations.add(authz);
        for (var type : CHALLENGE_TYPES) {
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
