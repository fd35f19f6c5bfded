package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** Queries over {@link IssuedCertificate}. Callers hold the transaction. */
@ApplicationScoped
public class Certificates {
    public Optional<IssuedCertificate> byId(String id) {
        return Optional.ofNullable(IssuedCertificate.findById(id));
    }

    public Optional<IssuedCertificate> bySerial(String serialHex) {
        return IssuedCertificate.<IssuedCertificate>find("serialHex", serialHex)
                .firstResultOptional();
    }

    public boolean serialExists(String serialHex) {
        return IssuedCertificate.count("serialHex", serialHex) > 0;
    }

    public void add(IssuedCertificate certificate) {
        certificate.persist();
    }

    /** Reads and locks a certificate, so that two orders cannot both replace it (RFC 9773). */
    public Optional<IssuedCertificate> byIdForUpdate(String id) {
        if (!RowLocks.lock("certificate", id)) {
            return Optional.empty();
        }
        var cert = IssuedCertificate.<IssuedCertificate>findById(id);
        if (cert != null) {
            IssuedCertificate.getEntityManager().refresh(cert);
        }
        return Optional.ofNullable(cert);
    }

    /**
     * Moves the renewal window (RFC 9773 §4.2) of every unexpired certificate of an issuer;
     * returns how many changed.
     */
    public int moveRenewalWindowsOfIssuer(String issuerId, java.time.Instant start,
            java.time.Instant end, java.time.Instant now) {
        return IssuedCertificate.update("renewalWindowStart = ?1, renewalWindowEnd = ?2"
                + " where issuerId = ?3 and notAfter > ?4", start, end, issuerId, now);
    }
}
