package io.mailca.acme;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Map;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.lang.HashUtil;
import org.jose4j.lang.JoseException;

/**
 * A key that signs ACME requests as RFC 8555 §6.2 asks: a flattened JSON JWS whose protected
 * header names the algorithm, the key ({@code jwk}) or the account ({@code kid}), the nonce
 * and the URL. Tests use it to say things acme4j never would.
 */
final class AccountKey {
    private final KeyPair pair;
    private final String alg;
    private final PublicJsonWebKey publicJwk;

    private AccountKey(KeyPair pair, String alg) {
        this.pair = pair;
        this.alg = alg;
        try {
            this.publicJwk = PublicJsonWebKey.Factory.newPublicJwk(pair.getPublic());
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key pair made elsewhere (acme4j's, or a certificate's) with its JWS algorithm. */
    static AccountKey of(KeyPair pair, String alg) {
        return new AccountKey(pair, alg);
    }

    static AccountKey es256() {
        return ec("secp256r1", "ES256");
    }

    static AccountKey es384() {
        return ec("secp384r1", "ES384");
    }

    static AccountKey es512() {
        return ec("secp521r1", "ES512");
    }

    static AccountKey rs256(int bits) {
        try {
            var generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(bits);
            return new AccountKey(generator.generateKeyPair(), "RS256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static AccountKey ed25519() {
        try {
            return new AccountKey(KeyPairGenerator.getInstance("Ed25519").generateKeyPair(),
                    "EdDSA");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static AccountKey ec(String curve, String alg) {
        try {
            var generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return new AccountKey(generator.generateKeyPair(), alg);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    KeyPair pair() {
        return pair;
    }

    String alg() {
        return alg;
    }

    /** The public JWK as JSON text. */
    String jwkJson() {
        return publicJwk.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
    }

    /** The public JWK as a map, for embedding in a payload ({@code oldKey}). */
    Map<String, Object> jwkParams() {
        return publicJwk.toParams(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
    }

    /** RFC 7638 thumbprint, base64url, as a key authorization ends with (§8.1). */
    String thumbprint() {
        return publicJwk.calculateBase64urlEncodedThumbprint(HashUtil.SHA_256);
    }

    /** Signs with the key itself in the header ({@code jwk}). */
    String signWithJwk(String url, String nonce, String payload) {
        return sign(url, nonce, payload, null);
    }

    /** Signs as an account ({@code kid}). */
    String signWithKid(String kid, String url, String nonce, String payload) {
        return sign(url, nonce, payload, kid);
    }

    /**
     * The flattened JSON serialization (RFC 7515 §7.2.2). A null {@code nonce} leaves the
     * header without one (the inner JWS of a key change, §7.3.5); an empty payload makes a
     * POST-as-GET (§6.3).
     */
    String sign(String url, String nonce, String payload, String kid) {
        var jws = new JsonWebSignature();
        jws.setAlgorithmHeaderValue(alg);
        if (kid == null) {
            jws.setJwkHeader(publicJwk);
        } else {
            jws.setKeyIdHeaderValue(kid);
        }
        if (nonce != null) {
            jws.setHeader("nonce", nonce);
        }
        jws.setHeader("url", url);
        jws.setPayloadBytes(payload.getBytes(StandardCharsets.UTF_8));
        jws.setKey(pair.getPrivate());
        // RSA 1024 must reach the server, which is the one to refuse it.
        jws.setDoKeyValidation(false);
        try {
            return flattened(jws.getCompactSerialization());
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A compact serialization rewritten as flattened JSON. */
    static String flattened(String compact) {
        var parts = compact.split("\\.", -1);
        return "{\"protected\":\"" + parts[0] + "\",\"payload\":\"" + parts[1]
                + "\",\"signature\":\"" + parts[2] + "\"}";
    }

    static String base64url(String text) {
        return base64url(text.getBytes(StandardCharsets.UTF_8));
    }

    static String base64url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
