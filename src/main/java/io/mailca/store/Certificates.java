package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
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

    /** What an operator searches certificates by; null fields mean any. */
    public record Search(String hostName, String serialHex, String status, Instant expiringBefore,
            Instant now) {
    }

    /**
     * Certificates newest first. Status {@code expired} means valid but past its notAfter;
     * {@code valid} means valid and not expired.
     */
    public Page<IssuedCertificate> search(Search search, int offset, int limit) {
        var where = new ArrayList<String>();
        var params = new ArrayList<Object>();
        if (search.hostName() != null) {
            params.add("%," + Like.escape(search.hostName()) + ",%");
            where.add("concat(',', names, ',') like ?" + params.size() + " escape '\\'");
        }
        if (search.serialHex() != null) {
            params.add(search.serialHex());
            where.add("serialHex = ?" + params.size());
        }
        if (search.status() != null) {
            switch (search.status()) {
                case "expired" -> {
                    params.add(search.now());
                    where.add("status = 'valid' and notAfter <= ?" + params.size());
                }
                case IssuedCertificate.VALID -> {
                    params.add(search.now());
                    where.add("status = 'valid' and notAfter > ?" + params.size());
                }
                default -> {
                    params.add(search.status());
                    where.add("status = ?" + params.size());
                }
            }
        }
        if (search.expiringBefore() != null) {
            params.add(search.expiringBefore());
            where.add("notAfter < ?" + params.size());
        }
        var query = (where.isEmpty() ? "" : String.join(" and ", where))
                + " order by createdAt desc, id desc";
        return Page.of(IssuedCertificate.<IssuedCertificate>find(query, params.toArray())
                .range(offset, offset + limit).list(), limit);
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
