package io.mailca.dane;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The RDATA of one TLSA record (RFC 6698 §2.1): certificate usage, selector, matching type and
 * certificate association data, kept as lower-case hex so that records compare by value.
 *
 * @param usage 2 DANE-TA or 3 DANE-EE (RFC 7218 §2.1); MailCA publishes no PKIX usages
 * @param selector 0 full certificate, 1 SubjectPublicKeyInfo (RFC 6698 §2.1.2)
 * @param matchingType 0 exact, 1 SHA-256, 2 SHA-512 (RFC 6698 §2.1.3)
 * @param data certificate association data, lower-case hex
 */
public record TlsaRecord(int usage, int selector, int matchingType, String data) {
    public static final int DANE_TA = 2;
    public static final int DANE_EE = 3;
    public static final int CERT = 0;
    public static final int SPKI = 1;
    public static final int FULL = 0;
    public static final int SHA256 = 1;
    public static final int SHA512 = 2;

    public TlsaRecord {
        if (usage < 0 || usage > 3 || selector < 0 || selector > 1 || matchingType < 0
                || matchingType > 2) {
            throw new IllegalArgumentException("not a TLSA parameter set: " + usage + " "
                    + selector + " " + matchingType);
        }
        data = data.toLowerCase(Locale.ROOT);
    }

    /** The record for {@code certificate} with the given parameters (RFC 6698 §2.1). */
    public static TlsaRecord of(int usage, int selector, int matchingType,
            X509Certificate certificate) {
        try {
            var selected = selector == CERT ? certificate.getEncoded()
                    : certificate.getPublicKey().getEncoded();
            var associated = switch (matchingType) {
                case FULL -> selected;
                case SHA256 -> MessageDigest.getInstance("SHA-256").digest(selected);
                default -> MessageDigest.getInstance("SHA-512").digest(selected);
            };
            return new TlsaRecord(usage, selector, matchingType,
                    HexFormat.of().formatHex(associated));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode "
                    + certificate.getSubjectX500Principal(), e);
        }
    }

    /** Parses the presentation form {@code "3 1 1 HEX"}. */
    public static TlsaRecord parse(String text) {
        var parts = text.trim().split("\\s+", 4);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not a TLSA record: " + text);
        }
        return new TlsaRecord(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]),
                Integer.parseInt(parts[2]), parts[3].replaceAll("\\s", ""));
    }

    /** True when this record matches {@code certificate} as RFC 6698 §2.1 defines it. */
    public boolean matches(X509Certificate certificate) {
        return equals(of(usage, selector, matchingType, certificate));
    }

    /** The association data as bytes. */
    public byte[] bytes() {
        return HexFormat.of().parseHex(data);
    }

    /** Presentation form, {@code "3 1 1 <hex>"}. */
    @Override
    public String toString() {
        return usage + " " + selector + " " + matchingType + " " + data;
    }
}
