package io.mailca.issuance;

import java.security.InvalidAlgorithmParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;

/**
 * Key types MailCA generates for its own CA keys, with the signature algorithm each one signs
 * with (RFC 5758 §3.2 for ECDSA, RFC 4055 §5 for RSA). P-256 is the default: it is what every
 * mail client and MTA verifies, and it keeps TLS handshakes and DANE records small.
 */
public enum KeyAlgorithm {
    EC_P256("EC", 256, "secp256r1", "SHA256withECDSA"),
    EC_P384("EC", 384, "secp384r1", "SHA384withECDSA"),
    RSA_2048("RSA", 2048, null, "SHA256withRSA"),
    RSA_3072("RSA", 3072, null, "SHA256withRSA"),
    RSA_4096("RSA", 4096, null, "SHA256withRSA");

    /** The algorithm used when the operator configures none. */
    public static final KeyAlgorithm DEFAULT = EC_P256;

    private final String jcaName;
    private final int bits;
    private final String curve;
    private final String signatureAlgorithm;

    KeyAlgorithm(String jcaName, int bits, String curve, String signatureAlgorithm) {
        this.jcaName = jcaName;
        this.bits = bits;
        this.curve = curve;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /** JCA signature algorithm name, e.g. {@code SHA256withECDSA}. */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    /** JCA key algorithm name: {@code EC} or {@code RSA}. */
    public String jcaName() {
        return jcaName;
    }

    /** Curve size or RSA modulus size in bits. */
    public int bits() {
        return bits;
    }

    public boolean isRsa() {
        return "RSA".equals(jcaName);
    }

    /** Generates a fresh key pair from the given CSPRNG. */
    public KeyPair generate(SecureRandom random) {
        try {
            var generator = KeyPairGenerator.getInstance(jcaName);
            AlgorithmParameterSpec spec = curve != null
                    ? new ECGenParameterSpec(curve)
                    : new RSAKeyGenParameterSpec(bits, RSAKeyGenParameterSpec.F4);
            generator.initialize(spec, random);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
            // Every JDK 17 ships EC and RSA generators; reaching here means a broken runtime.
            throw new IllegalStateException("cannot generate " + this + " key", e);
        }
    }

    /**
     * The algorithm of an existing public key, e.g. the issuer's, so that a key held in a
     * token (whose private half is opaque) still signs with the right algorithm.
     *
     * @throws IllegalArgumentException for keys MailCA does not sign with
     */
    public static KeyAlgorithm of(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            int fieldSize = ec.getParams().getCurve().getField().getFieldSize();
            return switch (fieldSize) {
                case 256 -> EC_P256;
                case 384 -> EC_P384;
                default -> throw new IllegalArgumentException(
                        "unsupported EC key size " + fieldSize);
            };
        }
        if (key instanceof RSAPublicKey rsa) {
            int size = rsa.getModulus().bitLength();
            return switch (size) {
                case 2048 -> RSA_2048;
                case 3072 -> RSA_3072;
                case 4096 -> RSA_4096;
                default -> throw new IllegalArgumentException(
                        "unsupported RSA key size " + size);
            };
        }
        throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm());
    }
}
