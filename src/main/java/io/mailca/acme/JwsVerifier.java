package io.mailca.acme;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mailca.registration.AccountService;
import io.mailca.registration.AccountService.ExternalBinding;
import io.mailca.registration.AcmeProblem;
import io.mailca.registration.ProblemType;
import io.mailca.registration.Nonces;
import io.mailca.store.Account;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.HashUtil;
import org.jose4j.lang.JoseException;

/**
 * Verifies the JWS of an ACME POST (RFC 8555 §6.2–§6.5): flattened JSON serialization, an
 * allowed algorithm, exactly one of {@code jwk} and {@code kid}, a signature that verifies,
 * a {@code url} equal to the request URL, and an unused nonce.
 */
@ApplicationScoped
public class JwsVerifier {
    /** The algorithms MailCA accepts, as the {@code algorithms} member of §6.7 lists them. */
    public static final List<String> ALGORITHMS = List.of(AlgorithmIdentifiers.RSA_USING_SHA256,
            AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
            AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384,
            AlgorithmIdentifiers.ECDSA_USING_P521_CURVE_AND_SHA512,
            AlgorithmIdentifiers.EDDSA);
    /** MAC algorithms of External Account Binding (RFC 8555 §7.3.4, RFC 7518 §3.2). */
    public static final List<String> MAC_ALGORITHMS = List.of(
            AlgorithmIdentifiers.HMAC_SHA256, AlgorithmIdentifiers.HMAC_SHA384,
            AlgorithmIdentifiers.HMAC_SHA512);
    private static final Set<String> JWS_MEMBERS = Set.of("protected", "payload", "signature");
    private static final Set<String> PRIVATE_JWK_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi");

    /** Which key reference a resource requires. */
    public enum KeyMode { JWK, KID, EITHER }

    private final Nonces nonces;
    private final AccountService accounts;
    private final AcmeUrls urls;

    JwsVerifier(Nonces nonces, AccountService accounts, AcmeUrls urls) {
        this.nonces = nonces;
        this.accounts = accounts;
        this.urls = urls;
    }

    /** Verifies a request body addressed to {@code requestUrl}. */
    public SignedRequest verify(String contentType, byte[] body, String requestUrl,
            KeyMode mode) {
        requireJoseContentType(contentType);
        var parts = parse(body);
        var header = parts.header();
        var encodedHeader = parts.encodedHeader();
        var encodedPayload = parts.encodedPayload();
        var encodedSignature = parts.encodedSignature();

        var verified = verifySignature(header, encodedHeader, encodedPayload, encodedSignature,
                mode);

        var url = AcmeJson.optionalString(header, "url");
        if (url == null) {
            throw new AcmeProblem(ProblemType.MALFORMED, "the protected header needs a url");
        }
        if (!url.equals(requestUrl)) {
            throw new AcmeProblem(ProblemType.UNAUTHORIZED, "the url header (" + clip(url)
                    + ") does not match the request URL (" + requestUrl + ")");
        }
        var nonce = AcmeJson.optionalString(header, "nonce");
        if (nonce == null) {
            throw new AcmeProblem(ProblemType.BAD_NONCE, "the protected header needs a nonce");
        }
        if (!nonces.consume(nonce)) {
            throw new AcmeProblem(ProblemType.BAD_NONCE,
                    "the nonce is unknown, expired or already used; retry with the fresh"
                            + " nonce of this response");
        }

        JsonNode payload = null;
        if (!encodedPayload.isEmpty()) {
            payload = AcmeJson.parseObject(AcmeJson.base64url(encodedPayload, "payload"),
                    "the payload");
        }
        return new SignedRequest(verified.account(), verified.key(), verified.jwkJson(),
                verified.thumbprint(), payload, url);
    }

    /**
     * The parts of a flattened JSON JWS (RFC 7515 §7.2.2) as they arrived: the decoded
     * protected header and the three base64url members.
     */
    record Parts(ObjectNode header, String encodedHeader, String encodedPayload,
            String encodedSignature) {
    }

    /**
     * Reads a request body as a flattened JWS without looking at keys, nonces or the database:
     * the part that sees raw client bytes first, kept pure so it can be fuzzed.
     *
     * @throws AcmeProblem ({@code malformed}) for anything that is not such a JWS
     */
    static Parts parse(byte[] body) {
        var jws = AcmeJson.parseObject(body, "the request body");
        for (var it = jws.fieldNames(); it.hasNext(); ) {
            var name = it.next();
            if (!JWS_MEMBERS.contains(name)) {
                throw new AcmeProblem(ProblemType.MALFORMED, "unexpected JWS member '"
                        + clip(name) + "'; use the flattened JSON serialization with only"
                        + " protected, payload and signature");
            }
        }
        var encodedHeader = member(jws, "protected");
        var encodedPayload = member(jws, "payload");
        var encodedSignature = member(jws, "signature");
        var header = AcmeJson.parseObject(AcmeJson.base64url(encodedHeader, "protected"),
                "the protected header");
        AcmeJson.base64url(encodedSignature, "signature");
        return new Parts(header, encodedHeader, encodedPayload, encodedSignature);
    }

    /**
     * Verifies an inner JWS of a key change (§7.3.5), which carries the new key as {@code jwk}
     * and no nonce, and whose {@code url} equals the outer one.
     */
    public SignedRequest verifyInner(JsonNode inner, String outerUrl) {
        if (inner == null || !inner.isObject()) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "the keyChange payload must be a JWS in flattened JSON serialization");
        }
        var encodedHeader = member(inner, "protected");
        var encodedPayload = member(inner, "payload");
        var encodedSignature = member(inner, "signature");
        var header = AcmeJson.parseObject(AcmeJson.base64url(encodedHeader, "inner protected"),
                "the inner protected header");
        if (header.has("nonce")) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "the inner JWS of a key change must not carry a nonce");
        }
        if (!outerUrl.equals(AcmeJson.optionalString(header, "url"))) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "the inner JWS's url must equal the outer JWS's url");
        }
        var verified = verifySignature(header, encodedHeader, encodedPayload, encodedSignature,
                KeyMode.JWK);
        var payload = AcmeJson.parseObject(AcmeJson.base64url(encodedPayload, "inner payload"),
                "the inner payload");
        return new SignedRequest(null, verified.key(), verified.jwkJson(), verified.thumbprint(),
                payload, outerUrl);
    }

    /**
     * Checks the form of a {@code newAccount}'s {@code externalAccountBinding} (RFC 8555
     * §7.3.4): a flattened JWS with a MAC algorithm, a {@code kid}, no {@code nonce}, the
     * outer {@code url}, and the account's own key as payload. Whether the MAC verifies needs
     * the key behind the {@code kid}; the returned binding tests that when registration has it.
     */
    public ExternalBinding externalBinding(JsonNode binding, SignedRequest outer) {
        if (binding == null || !binding.isObject()) {
            throw new AcmeProblem(ProblemType.MALFORMED, "externalAccountBinding must be a JWS"
                    + " in flattened JSON serialization");
        }
        var encodedHeader = member(binding, "protected", "externalAccountBinding");
        var encodedPayload = member(binding, "payload", "externalAccountBinding");
        var encodedSignature = member(binding, "signature", "externalAccountBinding");
        var header = AcmeJson.parseObject(AcmeJson.base64url(encodedHeader,
                "externalAccountBinding protected"), "the externalAccountBinding header");
        AcmeJson.base64url(encodedSignature, "externalAccountBinding signature");

        var alg = AcmeJson.optionalString(header, "alg");
        if (alg == null || !MAC_ALGORITHMS.contains(alg)) {
            throw new AcmeProblem(ProblemType.MALFORMED, "externalAccountBinding alg "
                    + (alg == null ? "is missing" : clip(alg) + " is not accepted")
                    + "; use one of " + String.join(", ", MAC_ALGORITHMS));
        }
        if (header.has("nonce")) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "externalAccountBinding must not carry a nonce (RFC 8555 §7.3.4)");
        }
        if (!outer.url().equals(AcmeJson.optionalString(header, "url"))) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "externalAccountBinding url must equal the url of the outer JWS");
        }
        var kid = AcmeJson.optionalString(header, "kid");
        if (kid == null || kid.isEmpty()) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "externalAccountBinding needs a kid naming the external account key");
        }
        String payloadThumbprint;
        try {
            var payload = new String(AcmeJson.base64url(encodedPayload,
                    "externalAccountBinding payload"), StandardCharsets.UTF_8);
            payloadThumbprint = PublicJsonWebKey.Factory.newPublicJwk(payload)
                    .calculateBase64urlEncodedThumbprint(HashUtil.SHA_256);
        } catch (JoseException | RuntimeException e) {
            payloadThumbprint = null;
        }
        if (!outer.thumbprint().equals(payloadThumbprint)) {
            throw new AcmeProblem(ProblemType.MALFORMED, "externalAccountBinding payload must"
                    + " be the account key, the jwk of the outer JWS");
        }

        var compact = encodedHeader + "." + encodedPayload + "." + encodedSignature;
        return new ExternalBinding(kid, macKey -> macVerifies(compact, alg, macKey));
    }

    private static boolean macVerifies(String compact, String alg, byte[] macKey) {
        try {
            var jws = new JsonWebSignature();
            jws.setCompactSerialization(compact);
            jws.setAlgorithmConstraints(new AlgorithmConstraints(
                    AlgorithmConstraints.ConstraintType.PERMIT, alg));
            // A 256-bit key is what MailCA hands out, also for HS384 and HS512.
            jws.setDoKeyValidation(false);
            jws.setKey(new HmacKey(macKey));
            return jws.verifySignature();
        } catch (JoseException e) {
            return false;
        }
    }

    /** The public key a stored account JWK stands for. */
    public static PublicJsonWebKey accountKey(Account account) {
        try {
            return PublicJsonWebKey.Factory.newPublicJwk(account.jwk);
        } catch (JoseException e) {
            throw new IllegalStateException("stored account key does not parse", e);
        }
    }

    /** RFC 7638 thumbprint of a public JWK given as JSON text. */
    public static String thumbprintOf(String jwkJson) {
        try {
            return JsonWebKey.Factory.newJwk(jwkJson)
                    .calculateBase64urlEncodedThumbprint(HashUtil.SHA_256);
        } catch (JoseException e) {
            throw new AcmeProblem(ProblemType.BAD_PUBLIC_KEY, "the jwk does not parse");
        }
    }

    private record Verified(Account account, PublicKey key, String jwkJson, String thumbprint) {
    }

    private Verified verifySignature(ObjectNode header, String encodedHeader,
            String encodedPayload, String encodedSignature, KeyMode mode) {
        var alg = header.get("alg");
        if (alg == null || !alg.isTextual() || !ALGORITHMS.contains(alg.textValue())) {
            throw new AcmeProblem(ProblemType.BAD_SIGNATURE_ALGORITHM, "the JWS algorithm "
                    + (alg == null ? "is missing" : clip(alg.toString()) + " is not supported")
                    + "; use one of " + String.join(", ", ALGORITHMS));
        }
        var hasJwk = header.has("jwk");
        var hasKid = header.has("kid");
        if (hasJwk == hasKid) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "the protected header must carry exactly one of jwk and kid");
        }
        if (mode == KeyMode.JWK && hasKid) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "this request must be signed with a jwk, not a kid");
        }
        if (mode == KeyMode.KID && hasJwk) {
            throw new AcmeProblem(ProblemType.MALFORMED, "this request must be signed by an"
                    + " account (kid); a jwk is only for newAccount and revokeCert");
        }

        Account account = null;
        PublicJsonWebKey jwk;
        if (hasJwk) {
            jwk = parseJwk(header.get("jwk"));
        } else {
            var kid = AcmeJson.optionalString(header, "kid");
            if (kid == null || !kid.startsWith(urls.accountPrefix())) {
                throw new AcmeProblem(ProblemType.ACCOUNT_DOES_NOT_EXIST,
                        "the kid is not an account URL of this server");
            }
            account = accounts.authenticate(kid.substring(urls.accountPrefix().length()));
            jwk = accountKey(account);
        }
        var key = jwk.getPublicKey();
        checkKeyFitsAlgorithm(key, alg.textValue());

        var jws = new JsonWebSignature();
        try {
            jws.setCompactSerialization(encodedHeader + "." + encodedPayload + "."
                    + encodedSignature);
            jws.setAlgorithmConstraints(new AlgorithmConstraints(
                    AlgorithmConstraints.ConstraintType.PERMIT, ALGORITHMS.toArray(String[]::new)));
            jws.setKey(key);
            if (!jws.verifySignature()) {
                throw new AcmeProblem(ProblemType.MALFORMED, "the JWS signature is invalid");
            }
        } catch (JoseException e) {
            throw new AcmeProblem(ProblemType.MALFORMED, "the JWS signature cannot be verified"
                    + " with the given key and algorithm");
        }
        var jwkJson = jwk.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
        String thumbprint;
        try {
            thumbprint = jwk.calculateBase64urlEncodedThumbprint(HashUtil.SHA_256);
        } catch (RuntimeException e) {
            throw new AcmeProblem(ProblemType.BAD_PUBLIC_KEY, "the jwk has no thumbprint");
        }
        return new Verified(account, key, jwkJson, thumbprint);
    }

    static PublicJsonWebKey parseJwk(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new AcmeProblem(ProblemType.MALFORMED, "jwk must be a JSON object");
        }
        for (var member : PRIVATE_JWK_MEMBERS) {
            if (node.has(member)) {
                throw new AcmeProblem(ProblemType.BAD_PUBLIC_KEY,
                        "the jwk contains private key material; send only the public key");
            }
        }
        try {
            var jwk = PublicJsonWebKey.Factory.newPublicJwk(AcmeJson.text(node));
            if (jwk.getPublicKey() == null) {
                throw new AcmeProblem(ProblemType.BAD_PUBLIC_KEY, "the jwk holds no public key");
            }
            return jwk;
        } catch (JoseException | RuntimeException e) {
            if (e instanceof AcmeProblem problem) {
                throw problem;
            }
            throw new AcmeProblem(ProblemType.BAD_PUBLIC_KEY, "the jwk is not a supported"
                    + " public key (RSA, EC P-256/P-384/P-521 or Ed25519)");
        }
    }

    private static void checkKeyFitsAlgorithm(PublicKey key, String alg) {
        var fits = switch (alg) {
            case "RS256" -> key instanceof RSAPublicKey;
            case "ES256" -> curveOf(key, EllipticCurves.P256);
            case "ES384" -> curveOf(key, EllipticCurves.P384);
            case "ES512" -> curveOf(key, EllipticCurves.P521);
            case "EdDSA" -> key instanceof EdECPublicKey ed
                    && "Ed25519".equalsIgnoreCase(ed.getParams().getName());
            default -> false;
        };
        if (key instanceof RSAPublicKey rsa) {
            var bits = rsa.getModulus().bitLength();
            if (bits < 2048 || bits > 8192) {
                throw new AcmeProblem(ProblemType.BAD_PUBLIC_KEY, "RSA account keys must have"
                        + " 2048 to 8192 bits; this one has " + bits);
            }
        }
        if (key instanceof EdECPublicKey ed
                && !"Ed25519".equalsIgnoreCase(ed.getParams().getName())) {
            throw new AcmeProblem(ProblemType.BAD_PUBLIC_KEY, "only Ed25519 is accepted for EdDSA");
        }
        if (!fits) {
            throw new AcmeProblem(ProblemType.BAD_SIGNATURE_ALGORITHM, "the algorithm " + alg
                    + " does not fit the key; use one of " + String.join(", ", ALGORITHMS));
        }
    }

    private static boolean curveOf(PublicKey key, java.security.spec.ECParameterSpec spec) {
        return key instanceof ECPublicKey ec
                && ec.getParams().getCurve().equals(spec.getCurve());
    }

    private static void requireJoseContentType(String contentType) {
        var type = contentType == null ? "" : contentType.split(";")[0].trim()
                .toLowerCase(Locale.ROOT);
        if (!"application/jose+json".equals(type)) {
            throw new AcmeProblem(ProblemType.MALFORMED, 415,
                    "requests must have Content-Type application/jose+json", List.of(), null);
        }
    }

    private static String member(JsonNode jws, String name) {
        return member(jws, name, "the JWS");
    }

    private static String member(JsonNode jws, String name, String what) {
        var node = jws.get(name);
        if (node == null || !node.isTextual()) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    what + " needs a string member '" + name + "'");
        }
        return node.textValue();
    }

    private static String clip(String value) {
        var cut = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        return new String(cut.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
                .replaceAll("[^\\x20-\\x7e]", "?");
    }
}
