package io.mailca.issuance;

import java.math.BigInteger;
import java.security.PublicKey;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything that varies between two leaf certificates of the mail-server profile. The names
 * have already passed policy and been compared with the order (RFC 8555 §7.4); the signer
 * applies no policy of its own beyond host name syntax.
 *
 * @param subjectKey the key from the CSR
 * @param dnsNames host names, the first one also becoming the subject common name
 * @param notBefore start of validity, whole seconds are kept
 * @param notAfter end of validity, whole seconds are kept
 * @param serial a fresh serial from {@link SerialNumbers}
 * @param crlUrl the issuer's CRL, or null/blank when none is published
 * @param ocspUrl the issuer's OCSP responder, or null/blank when none runs
 * @param caIssuersUrl where the issuer certificate can be fetched, or null/blank
 */
public record LeafRequest(
        PublicKey subjectKey,
        List<String> dnsNames,
        Instant notBefore,
        Instant notAfter,
        BigInteger serial,
        String crlUrl,
        String ocspUrl,
        String caIssuersUrl) {

    public LeafRequest {
        Objects.requireNonNull(subjectKey, "subjectKey");
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(notAfter, "notAfter");
        Objects.requireNonNull(serial, "serial");
        if (dnsNames == null || dnsNames.isEmpty()) {
            throw new IllegalArgumentException("a leaf needs at least one DNS name");
        }
        dnsNames = dnsNames.stream().map(HostNames::check).distinct().toList();
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("notAfter must lie after notBefore");
        }
        if (serial.signum() <= 0) {
            throw new IllegalArgumentException("serial must be positive");
        }
        crlUrl = blankToNull(crlUrl);
        ocspUrl = blankToNull(ocspUrl);
        caIssuersUrl = blankToNull(caIssuersUrl);
    }

    private static String blankToNull(String url) {
        return url == null || url.isBlank() ? null : url.strip();
    }
}
