package io.mailca.store;

import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * CRL state per CA and what a CRL or an OCSP response is made of. Callers hold the
 * transaction.
 */
@ApplicationScoped
public class Crls {
    /** One revoked certificate as a CRL entry or OCSP answer needs it (RFC 5280 §5.3). */
    public record RevokedEntry(String serialHex, Instant revokedAt, int reason) {
    }

    /** Marks the CA's CRL out of date; the CRL job re-signs it within seconds. */
    public void markStale(String issuerId) {
        Panache.getEntityManager()
                .createNativeQuery("update crl_state set stale = true where id = ?1")
                .setParameter(1, issuerId)
                .executeUpdate();
    }

    /** Creates the state row of a CA that has none; the caller holds the CA creation lock. */
    public void ensure(String issuerId) {
        if (CrlState.findById(issuerId) == null) {
            var state = new CrlState();
            state.id = issuerId;
            state.crlNumber = 0;
            state.stale = true;
            state.persist();
        }
    }

    /** CAs whose CRL is stale, missing, or was signed before {@code signedBefore}. */
    public List<String> due(Instant signedBefore) {
        return CrlState.<CrlState>find("stale = true or crlDer is null or thisUpdate < ?1",
                signedBefore).stream().map(s -> s.id).toList();
    }

    /** The state row, locked until the transaction ends (SELECT ... FOR UPDATE). */
    public Optional<CrlState> lock(String issuerId) {
        if (!RowLocks.lock("crl_state", issuerId)) {
            return Optional.empty();
        }
        var state = CrlState.<CrlState>findById(issuerId);
        // The lock was taken by a native query: read the row as it is now, not as cached.
        Panache.getEntityManager().refresh(state);
        return Optional.of(state);
    }

    public Optional<CrlState> byIssuer(String issuerId) {
        return Optional.ofNullable(CrlState.findById(issuerId));
    }

    /**
     * The revoked, unexpired leaves of one issuer. An expired certificate leaves the CRL
     * (RFC 5280 §3.3 lets it); OCSP still answers for it.
     */
    public List<RevokedEntry> revokedLeaves(String issuerId, Instant now) {
        return IssuedCertificate.<IssuedCertificate>find(
                "issuerId = ?1 and status = ?2 and notAfter > ?3 order by revokedAt",
                issuerId, IssuedCertificate.REVOKED, now).stream()
                .map(c -> new RevokedEntry(c.serialHex, c.revokedAt,
                        c.revocationReason == null ? 0 : c.revocationReason))
                .toList();
    }

    /** The revoked CA certificates a parent CA signed, for the parent's CRL. */
    public List<RevokedEntry> revokedAuthorities(String parentId) {
        // Only the root signs CA certificates, so every revoked intermediate is the root's.
        if (!Authority.ROOT.equals(Authority.<Authority>findById(parentId).role)) {
            return List.of();
        }
        return Authority.<Authority>find("role = ?1 and revokedAt is not null",
                Authority.ISSUING).stream()
                .map(a -> new RevokedEntry(serialHex(a.certificatePem), a.revokedAt,
                        a.revocationReason == null ? 0 : a.revocationReason))
                .toList();
    }

    private static String serialHex(String pem) {
        try {
            var certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(
                            pem.getBytes(StandardCharsets.US_ASCII)));
            return certificate.getSerialNumber().toString(16);
        } catch (CertificateException e) {
            throw new IllegalStateException("a stored CA certificate does not decode", e);
        }
    }
}
