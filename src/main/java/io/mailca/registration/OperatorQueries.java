package io.mailca.registration;

import io.mailca.issuance.CertificateAuthority;
import io.mailca.issuance.Fingerprints;
import io.mailca.issuance.Pem;
import io.mailca.store.Account;
import io.mailca.store.Accounts;
import io.mailca.store.AuditEvent;
import io.mailca.store.AuditLog;
import io.mailca.store.Authorities;
import io.mailca.store.Certificates;
import io.mailca.store.IssuedCertificate;
import io.mailca.store.Order;
import io.mailca.store.Orders;
import io.mailca.store.Page;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What operators read: accounts, orders, certificates, the CA and the audit log, as records
 * that the admin API sends as they are. Entities stay inside this class.
 */
@ApplicationScoped
public class OperatorQueries {
    /** CRLReason names of RFC 5280 §5.3.1, by code. */
    public static final Map<Integer, String> REASONS = Map.of(0, "unspecified",
            1, "keyCompromise", 3, "affiliationChanged", 4, "superseded",
            5, "cessationOfOperation", 9, "privilegeWithdrawn");

    private final Accounts accounts;
    private final Orders orders;
    private final Certificates certificates;
    private final Authorities authorities;
    private final CertificateAuthority ca;
    private final AuditLog audit;
    private final Clock clock;

    OperatorQueries(Accounts accounts, Orders orders, Certificates certificates,
            Authorities authorities, CertificateAuthority ca, AuditLog audit, Clock clock) {
        this.accounts = accounts;
        this.orders = orders;
        this.certificates = certificates;
        this.authorities = authorities;
        this.ca = ca;
        this.audit = audit;
        this.clock = clock;
    }

    public record AccountView(String id, String status, List<String> contact,
            boolean termsOfServiceAgreed, String eabKeyId, List<String> nameScope,
            Instant createdAt) {
    }

    public record OrderView(String id, String accountId, String status,
            List<String> identifiers, Instant expiresAt, String certificateId,
            Instant createdAt) {
    }

    /** A certificate; {@code pem} only when shown alone. */
    public record CertificateView(String serial, String id, String accountId, String orderId,
            List<String> names, String status, Instant notBefore, Instant notAfter,
            Instant revokedAt, Integer revocationReasonCode, String revocationReason,
            String sha256Fingerprint, String spkiSha256, String pem) {
    }

    public record AuthorityView(String id, String role, String subject, String serial,
            Instant notBefore, Instant notAfter, String sha256Fingerprint, String spkiSha256,
            List<String> permittedDomains, String keyStorage, boolean active, String pem) {
    }

    public record AuditEventView(long id, Instant occurredAt, String actor, String action,
            String target, String details, String prevHash, String rowHash) {
    }

    @Transactional
    public Page<AccountView> accounts(String contact, String status, int offset, int limit) {
        var page = accounts.page(contact, status, offset, limit);
        return new Page<>(page.items().stream().map(OperatorQueries::accountView).toList(),
                page.more());
    }

    @Transactional
    public Optional<AccountView> account(String id) {
        return accounts.byId(id).map(OperatorQueries::accountView);
    }

    @Transactional
    public Page<OrderView> orders(String accountId, String status, int offset, int limit) {
        var page = orders.page(accountId, status, offset, limit);
        return new Page<>(page.items().stream().map(OperatorQueries::orderView).toList(),
                page.more());
    }

    @Transactional
    public Page<CertificateView> certificates(String hostName, String serial, String status,
            Instant expiringBefore, int offset, int limit) {
        var page = certificates.search(new Certificates.Search(hostName, serial, status,
                expiringBefore, clock.instant()), offset, limit);
        return new Page<>(page.items().stream().map(c -> certificateView(c, false)).toList(),
                page.more());
    }

    @Transactional
    public Optional<CertificateView> certificate(String serial) {
        return certificates.bySerial(serial).map(c -> certificateView(c, true));
    }

    /** The root and the issuing intermediates, newest first after the root. */
    @Transactional
    public List<AuthorityView> authorities() {
        return authorities.all().stream()
                .sorted((a, b) -> a.role.equals(b.role) ? b.createdAt.compareTo(a.createdAt)
                        : "ROOT".equals(a.role) ? -1 : 1)
                .map(a -> {
                    var certificate = Pem.readCertificates(a.certificatePem).get(0);
                    return new AuthorityView(a.id, a.role.toLowerCase(java.util.Locale.ROOT),
                            certificate.getSubjectX500Principal().getName(),
                            certificate.getSerialNumber().toString(16),
                            certificate.getNotBefore().toInstant(),
                            certificate.getNotAfter().toInstant(),
                            Fingerprints.sha256Hex(certificate), a.spkiSha256,
                            List.copyOf(CertificateAuthority.permittedDomains(certificate)),
                            a.keyStorage, a.active, a.certificatePem);
                }).toList();
    }

    public Page<AuditEventView> auditEvents(Instant since, Instant until, String actor,
            String action, int offset, int limit) {
        var page = audit.page(since, until, actor, action, offset, limit);
        return new Page<>(page.items().stream().map(OperatorQueries::auditView).toList(),
                page.more());
    }

    public AuditLog.Verification verifyAudit() {
        return audit.verify();
    }

    static AccountView accountView(Account account) {
        return new AccountView(account.id, account.status, AccountService.contactOf(account),
                account.termsAgreed, account.eabKeyId, account.nameScope == null ? null
                        : List.of(account.nameScope.split(",")), account.createdAt);
    }

    private static OrderView orderView(Order order) {
        return new OrderView(order.id, order.accountId, order.status,
                OrderService.identifiersOf(order).stream().map(i -> i.type() + ":" + i.value())
                        .toList(), order.expiresAt, order.certificateId, order.createdAt);
    }

    private static CertificateView certificateView(IssuedCertificate c, boolean withPem) {
        X509Certificate parsed = Pem.readCertificates(c.pem).get(0);
        var reason = c.revocationReason;
        return new CertificateView(c.serialHex, c.id, c.accountId, c.orderId,
                List.of(c.names.split(",")), c.status, c.notBefore, c.notAfter, c.revokedAt,
                reason, reason == null ? null : REASONS.getOrDefault(reason, "code " + reason),
                Fingerprints.sha256Hex(parsed), c.spkiSha256, withPem ? c.pem : null);
    }

    private static AuditEventView auditView(AuditEvent e) {
        return new AuditEventView(e.id, e.occurredAt, e.actor, e.action, e.target, e.details,
                e.prevHash, e.rowHash);
    }
}
