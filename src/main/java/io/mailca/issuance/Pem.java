package io.mailca.issuance;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/**
 * The textual encoding of RFC 7468: certificates ({@code CERTIFICATE}, §5) and PKCS#8 private
 * keys ({@code PRIVATE KEY}, §10). Output uses LF line endings, 64-column base64 and a final
 * newline, which is also the {@code application/pem-certificate-chain} format of
 * RFC 8555 §9.1.
 */
public final class Pem {
    private static final String CERTIFICATE = "CERTIFICATE";
    private static final String PRIVATE_KEY = "PRIVATE KEY";
    private static final Base64.Encoder ENCODER =
            Base64.getMimeEncoder(64, new byte[] {'\n'});

    private Pem() {
    }

    /** One block per certificate, in the order given (leaf first for a chain). */
    public static String certificates(List<X509Certificate> certificates) {
        var out = new StringBuilder();
        for (var certificate : certificates) {
            try {
                out.append(block(CERTIFICATE, certificate.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("certificate cannot be encoded", e);
            }
        }
        return out.toString();
    }

    public static String certificate(X509Certificate certificate) {
        return certificates(List.of(certificate));
    }

    /** A PKCS#8 {@code PRIVATE KEY} block; the key must be extractable. */
    public static String privateKey(PrivateKey key) {
        var encoded = key.getEncoded();
        if (encoded == null) {
            throw new IllegalArgumentException("private key is not extractable");
        }
        return block(PRIVATE_KEY, encoded);
    }

    /**
     * Every {@code CERTIFICATE} block in the text, in order; text between blocks is ignored.
     *
     * @throws IllegalArgumentException when a block is not a certificate
     */
    public static List<X509Certificate> readCertificates(String pem) {
        try {
            var factory = CertificateFactory.getInstance("X.509");
            var result = new ArrayList<X509Certificate>();
            for (var der : blocks(pem, CERTIFICATE)) {
                result.add((X509Certificate) factory.generateCertificate(
                        new ByteArrayInputStream(der)));
            }
            return result;
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a valid certificate: " + e.getMessage(), e);
        }
    }

    /** The single PKCS#8 {@code PRIVATE KEY} in the text. */
    public static PrivateKey readPrivateKey(String pem) {
        var blocks = blocks(pem, PRIVATE_KEY);
        if (blocks.size() != 1) {
            throw new IllegalArgumentException(
                    "expected one PRIVATE KEY block, found " + blocks.size());
        }
        var der = blocks.get(0);
        try {
            var info = PrivateKeyInfo.getInstance(der);
            // PKCS#8 names the algorithm; EC keys carry id-ecPublicKey.
            var oid = info.getPrivateKeyAlgorithm().getAlgorithm().getId();
            var algorithm = switch (oid) {
                case "1.2.840.10045.2.1" -> "EC";
                case "1.2.840.113549.1.1.1" -> "RSA";
                case "1.3.101.112" -> "Ed25519";
                default -> throw new IllegalArgumentException("unsupported key algorithm " + oid);
            };
            return KeyFactory.getInstance(algorithm)
                    .generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (NoSuchAlgorithmException | InvalidKeySpecException | IllegalStateException e) {
            throw new IllegalArgumentException("not a valid private key", e);
        }
    }

    private static String block(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + ENCODER.encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private static List<byte[]> blocks(String pem, String label) {
        var begin = "-----BEGIN " + label + "-----";
        var end = "-----END " + label + "-----";
        var result = new ArrayList<byte[]>();
        int from = 0;
        while (true) {
            int start = pem.indexOf(begin, from);
            if (start < 0) {
                return result;
            }
            int stop = pem.indexOf(end, start);
            if (stop < 0) {
                throw new IllegalArgumentException("unterminated " + label + " block");
            }
            var body = pem.substring(start + begin.length(), stop);
            result.add(Base64.getMimeDecoder().decode(body.getBytes(StandardCharsets.US_ASCII)));
            from = stop + end.length();
        }
    }
}
