package io.mailca.issuance;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * SHA-256 digests that people and DNS records compare: of a certificate's DER encoding (what
 * the root download page shows) and of its SubjectPublicKeyInfo (TLSA selector 1, matching
 * type 1, RFC 6698 §2.1.2–2.1.3).
 */
public final class Fingerprints {
    private Fingerprints() {
    }

    /** SHA-256 of the certificate's DER encoding, lowercase hex without separators. */
    public static String sha256Hex(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(sha256(certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded", e);
        }
    }

    /** SHA-256 of the DER SubjectPublicKeyInfo, the data of a {@code 3 1 1} TLSA record. */
    public static byte[] spkiSha256(PublicKey key) {
        return sha256(key.getEncoded());
    }

    /** {@link #spkiSha256(PublicKey)} as lowercase hex, TLSA presentation format. */
    public static String spkiSha256Hex(PublicKey key) {
        return HexFormat.of().formatHex(spkiSha256(key));
    }

    /** Hex with colons between octets in upper case, as browsers and OpenSSL print it. */
    public static String withColons(String hex) {
        var out = new StringBuilder(hex.length() * 3 / 2);
        for (int i = 0; i < hex.length(); i += 2) {
            if (i > 0) {
                out.append(':');
            }
            out.append(hex, i, Math.min(i + 2, hex.length()));
        }
        return out.toString().toUpperCase(java.util.Locale.ROOT);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
