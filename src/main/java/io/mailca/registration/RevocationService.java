package io.mailca.registration;

import io.mailca.dane.TlsaJobs;
import io.mailca.store.Account;
import io.mailca.store.AuditLog;
import io.mailca.store.Authorizations;
import io.mailca.store.Certificates;
import io.mailca.store.Crls;
import io.mailca.store.IssuedCertificate;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.io.ByteArrayInputStream;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/** Certificate revocation (RFC 8555 §7.6). */
@ApplicationScoped
public class RevocationService {
    /**
     * CRLReason codes a subscriber may give (RFC 5280 §5.3.1): unspecified, keyCompromise,
     * affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn. The others
     * describe the CA itself or are not reasons at all.
     */
    static final Set<Integer> SUBSCRIBER_REASONS = Set.of(0, 1, 3, 4, 5, 9);

    private final Certificates certificates;
    private final Authorizations authorizations;
    private final AuditLog audit;
    private final Crls crls;
    private final Clock clock;
    private final TlsaJobs tlsaJobs;

    RevocationService(Certificates certificates, Authorizations authorizations, AuditLog audit,
            Crls crls, Clock clock, TlsaJobs tlsaJobs) {
        this.certificates = certificates;
        this.authorizations = authorizations;
        this.audit = audit;
        this.crls = crls;
        this.clock = clock;
        this.tlsaJobs = tlsaJobs;
    }

    /**
     * Revokes a certificate. Who may: the account that ordered it, an account holding valid
     * authorizations for all its names, or a request signed with the certificate's own key
     * ({@code account} null, {@code signingKey} the JWS key).
     */
    @Transactional
    public IssuedCertificate revoke(Account account, PublicKey signingKey, byte[] certificateDer,
            Integer reason) {
        var code = reason == null ? 0 : reason;
        if (!SUBSCRIBER_REASONS.contains(code)) {
            throw new AcmeProblem(ProblemType.BAD_REVOCATION_REASON, "reason " + code
                    + " is not accepted; use one of 0, 1, 3, 4, 5, 9 (RFC 5280 §5.3.1)");
        }
        var presented = parse(certificateDer);
        var serialHex = presented.getSerialNumber().toString(16);
        var stored = certificates.bySerial(serialHex)
                .filter(c -> Arrays.equals(derOf(c), certificateDer))
                .orElseThrow(() -> new AcmeProblem(ProblemType.MALFORMED, 404,
                        "this certificate was not issued by MailCA", List.of(), null));

        var actor = authorize(account, signingKey, presented, stored);
        if (IssuedCertificate.REVOKED.equals(stored.status)) {
            throw new AcmeProblem(ProblemType.ALREADY_REVOKED,
                    "the certificate with serial " + serialHex + " is already revoked");
        }
        stored.status = IssuedCertificate.REVOKED;
        stored.revokedAt = clock.instant();
        stored.revocationReason = code;
        // In the same transaction: the CRL job re-signs the issuer's CRL within seconds.
        crls.markStale(stored.issuerId);
        audit.record(actor, "certificate.revoked", "serial:" + serialHex,
                "reason=" + code + " names=" + stored.names);
        // TLSA follows in the same transaction: at once for keyCompromise, else by rollover.
        tlsaJobs.revoked(List.of(stored.names.split(",")), serialHex, code);
        return stored;
    }

    /**
     * An operator revokes a certificate by serial number, with a reason of RFC 5280 §5.3.1
     * (the same codes a subscriber may give).
     */
    @Transactional
    public IssuedCertificate revokeBySerial(Operator operator, String serialHex, int reason) {
        if (!SUBSCRIBER_REASONS.contains(reason)) {
            throw OperatorProblem.badRequest("reason " + reason + " is not accepted; use one of"
                    + " 0, 1, 3, 4, 5, 9 (RFC 5280 §5.3.1)");
        }
        var stored = certificates.bySerial(serialHex).orElseThrow(() ->
                OperatorProblem.notFound("no certificate with serial " + serialHex));
        if (IssuedCertificate.REVOKED.equals(stored.status)) {
            throw OperatorProblem.conflict("the certificate with serial " + serialHex
                    + " is already revoked");
        }
        stored.status = IssuedCertificate.REVOKED;
        stored.revokedAt = clock.instant();
        stored.revocationReason = reason;
        // As for a subscriber's revocation: CRL and TLSA follow in the same transaction.
        crls.markStale(stored.issuerId);
        audit.record(operator.actor(), "certificate.revoked", "serial:" + serialHex,
                "reason=" + reason + " names=" + stored.names + " by=operator");
        tlsaJobs.revoked(List.of(stored.names.split(",")), serialHex, reason);
        return stored;
    }

    private String authorize(Account account, PublicKey signingKey, X509Certificate presented,
            IssuedCertificate stored) {
        if (account == null) {
            if (!Arrays.equals(signingKey.getEncoded(), presented.getPublicKey().getEncoded())) {
                throw new AcmeProblem(ProblemType.UNAUTHORIZED, "a revocation signed with a jwk"
                        + " must be signed by the certificate's own key");
            }
            return "certificate-key:" + stored.serialHex;
        }
        if (account.id.equals(stored.accountId)) {
            return "account:" + account.id;
        }
        var now = clock.instant();
        for (var name : stored.names.split(",")) {
            if (!authorizations.accountHoldsValid(account.id, name, now)) {
                throw new AcmeProblem(ProblemType.UNAUTHORIZED, "this account neither ordered"
                        + " the certificate nor holds a valid authorization for " + name);
            }
        }
        return "account:" + account.id;
    }

    private static X509Certificate parse(byte[] der) {
        try {
            var factory = CertificateFactory.getInstance("X.509");
            return (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "the certificate field is not a DER X.509 certificate");
        }
    }

    private static byte[] derOf(IssuedCertificate certificate) {
        var body = certificate.pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }
}
