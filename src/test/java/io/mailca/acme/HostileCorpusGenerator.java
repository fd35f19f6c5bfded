package io.mailca.acme;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the hostile request corpus under {@code src/test/resources/hostile/} (see
 * docs/testing.md for the case format). It runs only when asked:
 *
 * <pre>
 * mvn -o -q test -Dtest=HostileCorpusGenerator -Dhostile.generate=true
 * </pre>
 *
 * <p>The files are committed; {@link HostileCorpusTest} replays them. CSRs are made here once
 * with Bouncy Castle, so the corpus holds fixed bytes rather than keys made at replay.
 */
class HostileCorpusGenerator {
    private static final Path OUT = Path.of("src/test/resources/hostile");
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT);
    /** The name of the ready order the CSR cases finalize. */
    static final String ORDERED = "mx-hostile.example.test";

    private final Map<String, Map<String, Object>> cases = new LinkedHashMap<>();

    @Test
    @EnabledIfSystemProperty(named = "hostile.generate", matches = "true")
    void generate() throws Exception {
        jwsFaults();
        keyChange();
        paths();
        identifiers();
        csrs();
        http();
        write();
    }

    // --- the JWS of every POST resource ------------------------------------------------

    /** A target, the key mode it wants, and the payload a correct request would carry. */
    private record Target(String name, boolean jwk, Object payload) {
    }

    private void jwsFaults() {
        var targets = List.of(
                new Target("newAccount", true, Map.of("termsOfServiceAgreed", true)),
                new Target("newOrder", false, identifiersPayload("mx-hostile-new.example.test")),
                new Target("account", false, ""),
                new Target("orders", false, ""),
                new Target("order", false, ""),
                new Target("authz", false, ""),
                new Target("chall", false, ""),
                new Target("finalize", false, Map.of("csr", "${goodCsr}")),
                new Target("cert", false, ""),
                new Target("revokeCert", false, Map.of("certificate", "${certDer}")));
        for (var t : targets) {
            var key = t.jwk() ? "fresh" : "account";
            var p = "jws/" + t.name() + "/";
            body(p + "not-json", t.name(), "hello, ACME", 400, "malformed");
            body(p + "empty-body", t.name(), "", 400, "malformed");
            body(p + "json-array", t.name(), "[]", 400, "malformed");
            body(p + "json-string", t.name(), "\"protected\"", 400, "malformed");
            body(p + "compact-serialization", t.name(),
                    "eyJhbGciOiJFUzI1NiJ9.e30.AAAA", 400, "malformed");
            body(p + "truncated", t.name(), "{\"protected\":\"eyJhbGciOiJFUzI1NiIsImtpZCI6",
                    400, "malformed");
            body(p + "duplicate-member-in-body", t.name(), "{\"protected\":\"e30\","
                    + "\"protected\":\"e30\",\"payload\":\"\",\"signature\":\"\"}", 400,
                    "malformed");
            body(p + "deep-nesting-body", t.name(), "[".repeat(5000) + "]".repeat(5000), 400,
                    "malformed");
            body(p + "huge-number-body", t.name(), "{\"protected\":1" + "0".repeat(2000) + "}",
                    400, "malformed");
            body(p + "members-of-wrong-type", t.name(),
                    "{\"protected\":{},\"payload\":[],\"signature\":7}", 400, "malformed");

            jws(p + "alg-none", t, key, header(t, "none"), "empty", 400,
                    "badSignatureAlgorithm");
            jws(p + "alg-none-with-signature", t, key, header(t, "none"), "valid", 400,
                    "badSignatureAlgorithm");
            jws(p + "alg-missing", t, key, without(header(t, "ES256"), "alg"), "valid", 400,
                    "badSignatureAlgorithm");
            jws(p + "alg-as-number", t, key, with(header(t, "ES256"), "alg", 256), "valid", 400,
                    "badSignatureAlgorithm");
            jws(p + "alg-RS256-on-ec-key", t, key, header(t, "RS256"), "valid", 400,
                    "badSignatureAlgorithm");
            jws(p + "hmac-HS256", t, "hmac", header(t, "HS256"), "valid", 400,
                    "badSignatureAlgorithm");
            var both = header(t, "ES256");
            both.put("kid", "${kid}");
            both.put("jwk", "${jwk}");
            jws(p + "both-kid-and-jwk", t, key, both, "valid", 400, "malformed");
            jws(p + "neither-kid-nor-jwk", t, key, without(without(header(t, "ES256"), "kid"),
                    "jwk"), "valid", 400, "malformed");
            jws(p + "wrong-url", t, key, with(header(t, "ES256"), "url", "${directory}"),
                    "valid", 403, "unauthorized");
            jws(p + "url-with-other-host", t, key, with(header(t, "ES256"), "url",
                    "https://mailca.evil.test/acme/new-order"), "valid", 403, "unauthorized");
            jws(p + "url-missing", t, key, without(header(t, "ES256"), "url"), "valid", 400,
                    "malformed");
            jws(p + "url-as-array", t, key, with(header(t, "ES256"), "url", List.of("${url}")),
                    "valid", 400, "malformed");
            jws(p + "nonce-missing", t, key, without(header(t, "ES256"), "nonce"), "valid",
                    400, "badNonce");
            jws(p + "nonce-reused", t, key, with(header(t, "ES256"), "nonce", "${usedNonce}"),
                    "valid", 400, "badNonce");
            jws(p + "nonce-made-up", t, key, with(header(t, "ES256"), "nonce",
                    "AAAAAAAAAAAAAAAAAAAAAA"), "valid", 400, "badNonce");
            jws(p + "nonce-with-nul", t, key, with(header(t, "ES256"), "nonce", "\u0000x"),
                    "valid", 400, "malformed");
            jws(p + "signature-garbage", t, key, header(t, "ES256"), "garbage", 400,
                    "malformed");
            jws(p + "signature-empty", t, key, header(t, "ES256"), "empty", 400, "malformed");
            jws(p + "signed-by-another-key", t, t.jwk() ? "fresh" : "other",
                    t.jwk() ? with(header(t, "ES256"), "jwk", "${accountJwk}")
                            : header(t, "ES256"),
                    "valid", 400, "malformed");
            var padded = recipe(t, key, header(t, "ES256"), "valid");
            padded.put("protectedPadding", true);
            add(p + "protected-with-base64-padding", t.name(), padded, 400, "malformed");
            var badChars = recipe(t, key, header(t, "ES256"), "valid");
            badChars.put("signatureEncoded", "a+b/c==");
            add(p + "signature-with-invalid-base64", t.name(), badChars, 400, "malformed");
            var extra = recipe(t, key, header(t, "ES256"), "valid");
            extra.put("extraMembers", Map.of("header", Map.of("kid", "x")));
            add(p + "unprotected-header-member", t.name(), extra, 400, "malformed");
            var dup = recipe(t, key, null, "valid");
            dup.put("protectedText", "{\"alg\":\"none\",\"alg\":\"ES256\","
                    + (t.jwk() ? "\"jwk\":${jwk}" : "\"kid\":\"${kid}\"")
                    + ",\"nonce\":\"${nonce}\",\"url\":\"${url}\"}");
            add(p + "duplicate-alg-in-protected", t.name(), dup, 400, "malformed");
            var protNotJson = recipe(t, key, null, "valid");
            protNotJson.put("protectedText", "alg=ES256");
            add(p + "protected-not-json", t.name(), protNotJson, 400, "malformed");
            if (!t.jwk()) {
                jws(p + "kid-of-unknown-account", t, key, with(header(t, "ES256"), "kid",
                        "${unknownKid}"), "valid", 400, "accountDoesNotExist");
                jws(p + "kid-of-another-server", t, key, with(header(t, "ES256"), "kid",
                        "https://ca.evil.test/acme/acct/1"), "valid", 400,
                        "accountDoesNotExist");
                jws(p + "kid-of-other-account-signed-by-account", t, key,
                        with(header(t, "ES256"), "kid", "${otherKid}"), "valid", 400,
                        "malformed");
                // revokeCert takes a jwk too, but only the certificate's own key (§7.6).
                jws(p + "jwk-instead-of-kid", t, key, jwkHeader("ES256"), "valid",
                        t.name().equals("revokeCert") ? 403 : 400,
                        t.name().equals("revokeCert") ? "unauthorized" : "malformed");
                var deep = recipe(t, key, header(t, "ES256"), "valid");
                deep.put("payloadText", "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}");
                add(p + "payload-nested-too-deep", t.name(), deep, 400, "malformed");
                var big = recipe(t, key, header(t, "ES256"), "valid");
                big.put("payloadText", "{\"n\":1" + "0".repeat(500) + "}");
                add(p + "payload-huge-number", t.name(), big, 400, "malformed");
                var dupPayload = recipe(t, key, header(t, "ES256"), "valid");
                dupPayload.put("payloadText", "{\"status\":\"valid\",\"status\":\"deactivated\"}");
                add(p + "payload-duplicate-member", t.name(), dupPayload, 400, "malformed");
            } else {
                jws(p + "kid-instead-of-jwk", t, key, kidHeader("ES256"), "valid", 400,
                        "malformed");
                var priv = header(t, "ES256");
                priv.put("jwk", Map.of("kty", "EC", "crv", "P-256",
                        "x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                        "y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
                        "d", "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"));
                jws(p + "jwk-with-private-key", t, key, priv, "valid", 400, "badPublicKey");
                jws(p + "jwk-not-an-object", t, key, with(header(t, "ES256"), "jwk", "EC"),
                        "valid", 400, "malformed");
                jws(p + "jwk-unknown-kty", t, key, with(header(t, "ES256"), "jwk",
                        Map.of("kty", "XYZ", "x", "AA")), "valid", 400, "badPublicKey");
                jws(p + "jwk-rsa-1024", t, key, with(header(t, "RS256"), "jwk",
                        Map.of("kty", "RSA", "e", "AQAB", "n", b64(new byte[128]))), "valid",
                        400, "badPublicKey");
                var deep = recipe(t, key, header(t, "ES256"), "valid");
                deep.put("payloadText", "{\"contact\":" + "[".repeat(100) + "]".repeat(100)
                        + "}");
                add(p + "payload-nested-too-deep", t.name(), deep, 400, "malformed");
            }
            if (t.payload() instanceof String) {
                var notEmpty = recipe(t, key, header(t, "ES256"), "valid");
                notEmpty.put("payload", Map.of());
                notEmpty.remove("payloadText");
                // An authorization or challenge with {} means something else (deactivate,
                // respond); the others must refuse a non-empty payload.
                if (!t.name().equals("authz") && !t.name().equals("chall")
                        && !t.name().equals("account")) {
                    add(p + "payload-where-post-as-get-is-required", t.name(), notEmpty, 400,
                            "malformed");
                }
            } else {
                var empty = recipe(t, key, header(t, "ES256"), "valid");
                empty.remove("payload");
                empty.put("payloadText", "");
                add(p + "empty-payload-where-an-object-is-required", t.name(), empty, 400,
                        "malformed");
                var array = recipe(t, key, header(t, "ES256"), "valid");
                array.remove("payload");
                array.put("payloadText", "[1,2]");
                add(p + "payload-is-an-array", t.name(), array, 400, "malformed");
            }
        }
    }

    private Map<String, Object> header(Target t, String alg) {
        return t.jwk() ? jwkHeader(alg) : kidHeader(alg);
    }

    private static Map<String, Object> jwkHeader(String alg) {
        var h = new LinkedHashMap<String, Object>();
        h.put("alg", alg);
        h.put("jwk", "${jwk}");
        h.put("nonce", "${nonce}");
        h.put("url", "${url}");
        return h;
    }

    private static Map<String, Object> kidHeader(String alg) {
        var h = new LinkedHashMap<String, Object>();
        h.put("alg", alg);
        h.put("kid", "${kid}");
        h.put("nonce", "${nonce}");
        h.put("url", "${url}");
        return h;
    }

    private static Map<String, Object> with(Map<String, Object> header, String name,
            Object value) {
        var copy = new LinkedHashMap<>(header);
        copy.put(name, value);
        return copy;
    }

    private static Map<String, Object> without(Map<String, Object> header, String name) {
        var copy = new LinkedHashMap<>(header);
        copy.remove(name);
        return copy;
    }

    private static Map<String, Object> recipe(Target t, String key, Map<String, Object> header,
            String signature) {
        var r = new LinkedHashMap<String, Object>();
        r.put("key", key);
        if (header != null) {
            r.put("protected", header);
        }
        if (t.payload() instanceof String text) {
            r.put("payloadText", text);
        } else {
            r.put("payload", t.payload());
        }
        r.put("signature", signature);
        return r;
    }

    private void jws(String name, Target t, String key, Map<String, Object> header,
            String signature, int status, String type) {
        add(name, t.name(), recipe(t, key, header, signature), status, type);
    }

    /** Hostile resource ids in the request path, signed correctly. */
    private void paths() {
        var r = new LinkedHashMap<String, Object>();
        r.put("key", "account");
        r.put("protected", kidHeader("ES256"));
        r.put("payloadText", "");
        r.put("signature", "valid");
        add("jws/paths/order-id-with-nul", "/acme/order/%00abc", r, 404, "malformed");
        add("jws/paths/order-id-4000-chars", "/acme/order/" + "a".repeat(4000), r, 404,
                "malformed");
        add("jws/paths/authz-id-with-quote", "/acme/authz/x'%20OR%20'1'='1", r, 404,
                "malformed");
        add("jws/paths/cert-id-unicode", "/acme/cert/%E2%80%AEabc", r, 404, "malformed");
        add("jws/paths/account-of-other", "otherKid", r, 403, "unauthorized");
        var kidNul = new LinkedHashMap<>(r);
        kidNul.put("protected", with(kidHeader("ES256"), "kid", "${kid}\u0000"));
        add("jws/paths/kid-with-nul", "account", kidNul, 400, "malformed");
    }

    // --- keyChange: the inner JWS (RFC 8555 §7.3.5) -------------------------------------

    private void keyChange() {
        var outer = kidHeader("ES256");
        var innerHeader = new LinkedHashMap<String, Object>();
        innerHeader.put("alg", "ES256");
        innerHeader.put("jwk", "${jwk}");
        innerHeader.put("url", "${url}");
        var innerPayload = Map.of("account", "${kid}", "oldKey", "${accountJwk}");
        keyChangeCase("inner-alg-none", with(innerHeader, "alg", "none"), innerPayload, "fresh",
                "empty", 400, "badSignatureAlgorithm");
        keyChangeCase("inner-with-nonce", with(innerHeader, "nonce", "${nonce2}"),
                innerPayload, "fresh", "valid", 400, "malformed");
        keyChangeCase("inner-url-differs", with(innerHeader, "url", "${directory}"),
                innerPayload, "fresh", "valid", 400, "malformed");
        keyChangeCase("inner-signed-by-another-key", with(innerHeader, "jwk", "${otherJwk}"),
                innerPayload, "fresh", "valid", 400, "malformed");
        keyChangeCase("inner-kid-instead-of-jwk", with(without(innerHeader, "jwk"), "kid",
                "${kid}"), innerPayload, "fresh", "valid", 400, "malformed");
        keyChangeCase("inner-account-of-someone-else", innerHeader,
                Map.of("account", "${otherKid}", "oldKey", "${accountJwk}"), "fresh", "valid",
                400, "malformed");
        keyChangeCase("inner-old-key-wrong", innerHeader,
                Map.of("account", "${kid}", "oldKey", "${otherJwk}"), "fresh", "valid", 400,
                "malformed");
        keyChangeCase("inner-old-key-missing", innerHeader, Map.of("account", "${kid}"),
                "fresh", "valid", 400, "malformed");
        keyChangeCase("inner-new-key-is-other-account-key", innerHeader, Map.of(
                "account", "${kid}", "oldKey", "${accountJwk}"), "other", "valid", 409,
                "malformed");
        keyChangeCase("inner-hmac", with(innerHeader, "alg", "HS256"), innerPayload, "hmac",
                "valid", 400, "badSignatureAlgorithm");
        var notJws = new LinkedHashMap<String, Object>();
        notJws.put("key", "account");
        notJws.put("protected", outer);
        notJws.put("payload", Map.of("protected", 1, "payload", "", "signature", ""));
        notJws.put("signature", "valid");
        add("jws/keyChange/inner-not-a-jws", "keyChange", notJws, 400, "malformed");
    }

    private void keyChangeCase(String name, Map<String, Object> innerHeader,
            Map<String, ?> innerPayload, String innerKey, String innerSignature,
            int status, String type) {
        var inner = new LinkedHashMap<String, Object>();
        inner.put("key", innerKey);
        inner.put("protected", innerHeader);
        inner.put("payload", innerPayload);
        inner.put("signature", innerSignature);
        var r = new LinkedHashMap<String, Object>();
        r.put("key", "account");
        r.put("protected", kidHeader("ES256"));
        r.put("payloadJws", inner);
        r.put("signature", "valid");
        add("jws/keyChange/" + name, "keyChange", r, status, type);
    }

    // --- identifiers of newOrder (RFC 8555 §7.4, §7.1.4) ---------------------------------

    private void identifiers() {
        var rejected = "rejectedIdentifier";
        identifier("nul-byte", "dns", "mx1\u0000.example.test", "malformed");
        identifier("nul-byte-at-end", "dns", "mx1.example.test\u0000", "malformed");
        identifier("space-inside", "dns", "mx 1.example.test", "malformed");
        identifier("leading-space", "dns", " mx1.example.test", "malformed");
        identifier("trailing-newline", "dns", "mx1.example.test\n", "malformed");
        identifier("label-64-chars", "dns", "mx" + "a".repeat(62) + ".example.test",
                "malformed");
        identifier("label-200-chars", "dns", "mx" + "a".repeat(198) + ".example.test",
                "malformed");
        var longName = new StringBuilder("mx1");
        while (longName.length() < 250) {
            longName.append(".").append("a".repeat(40));
        }
        identifier("name-254-chars", "dns", longName.substring(0, 241) + ".example.test",
                "malformed");
        identifier("name-4000-chars", "dns", "mx1." + "abcdefgh.".repeat(444) + "example.test",
                "malformed");
        identifier("ipv4-literal-as-dns", "dns", "127.0.0.1", rejected);
        identifier("ipv6-literal-as-dns", "dns", "::1", "malformed");
        identifier("ipv6-bracketed-as-dns", "dns", "[::1]", "malformed");
        identifier("ip-identifier-v4", "ip", "10.0.0.1", rejected);
        identifier("ip-identifier-v6", "ip", "2001:db8::1", rejected);
        identifier("localhost", "dns", "localhost", "malformed");
        identifier("localhost-fqdn", "dns", "localhost.localdomain", rejected);
        identifier("mx-localhost", "dns", "mx.localhost", rejected);
        identifier("wildcard", "dns", "*.example.test", rejected);
        identifier("trailing-dot", "dns", "mx1.example.test.", "malformed");
        identifier("empty-label", "dns", "mx1..example.test", "malformed");
        identifier("leading-hyphen", "dns", "-mx1.example.test", "malformed");
        identifier("underscore", "dns", "_mx1.example.test", "malformed");
        identifier("u-label", "dns", "mx-müller.example.test", "malformed");
        identifier("bad-punycode", "dns", "xn--zz.example.test", "malformed");
        identifier("outside-the-domains", "dns", "mx1.example.com", rejected);
        identifier("suffix-trick", "dns", "mx1.example.test.evil.test", rejected);
        identifier("not-a-mail-host", "dns", "www.example.test", rejected);
        identifier("empty-value", "dns", "", "malformed");
        identifier("email-type", "email", "postmaster@example.test", "unsupportedIdentifier");
        identifier("type-uppercase", "DNS", "mx1.example.test", "unsupportedIdentifier");
        identifier("percent-encoded", "dns", "mx1%2eexample.test", "malformed");
        identifier("url-as-name", "dns", "http://mx1.example.test/", "malformed");
        identifier("control-char", "dns", "mx1.exa\u0007mple.test", "malformed");
        identifier("right-to-left-override", "dns", "mx1.\u202eexample.test", "malformed");

        order("identifiers-missing", Map.of(), 400, "malformed");
        order("identifiers-empty", Map.of("identifiers", List.of()), 400, "malformed");
        order("identifiers-not-array", Map.of("identifiers", "mx1.example.test"), 400,
                "malformed");
        order("identifier-not-object", Map.of("identifiers", List.of("mx1.example.test")), 400,
                "malformed");
        order("identifier-without-value", Map.of("identifiers", List.of(Map.of("type", "dns"))),
                400, "malformed");
        order("identifier-value-number", Map.of("identifiers",
                List.of(Map.of("type", "dns", "value", 42))), 400, "malformed");
        var many = new ArrayList<Map<String, String>>();
        for (int i = 0; i < 1000; i++) {
            many.add(Map.of("type", "dns", "value", "mx" + i + ".example.test"));
        }
        order("thousand-identifiers", Map.of("identifiers", many), 400, rejected);
        var dates = new LinkedHashMap<String, Object>(identifiersPayload("mx1.example.test"));
        dates.put("notBefore", "yesterday");
        order("not-before-garbage", dates, 400, "malformed");
        var dates2 = new LinkedHashMap<String, Object>(identifiersPayload("mx1.example.test"));
        dates2.put("notAfter", 12345);
        order("not-after-number", dates2, 400, "malformed");
    }

    private void identifier(String name, String type, String value, String problem) {
        order("identifier-" + name, Map.of("identifiers",
                List.of(Map.of("type", type, "value", value))), 400, problem);
    }

    private void order(String name, Map<String, ?> payload, int status, String type) {
        var r = new LinkedHashMap<String, Object>();
        r.put("key", "account");
        r.put("protected", kidHeader("ES256"));
        r.put("payload", payload);
        r.put("signature", "valid");
        add("identifiers/" + name, "newOrder", r, status, type);
    }

    private static Map<String, Object> identifiersPayload(String... names) {
        return Map.of("identifiers", Arrays.stream(names)
                .map(n -> Map.of("type", "dns", "value", n)).toList());
    }

    // --- CSRs of finalize (RFC 8555 §7.4, RFC 2986) --------------------------------------

    private void csrs() throws Exception {
        var ec = ec("secp256r1");
        var rsa = rsa(2048, RSAKeyGenParameterSpec.F4);
        var good = csr(ec, "SHA256withECDSA", new X500Name("CN=" + ORDERED), san(ORDERED));

        csr("not-der-text", "hello".getBytes(StandardCharsets.US_ASCII));
        csr("not-der-pem", ("-----BEGIN CERTIFICATE REQUEST-----\n"
                + Base64.getMimeEncoder().encodeToString(good)
                + "\n-----END CERTIFICATE REQUEST-----\n").getBytes(StandardCharsets.US_ASCII));
        csr("not-der-trailing-byte", concat(good, new byte[] {0}));
        csr("not-der-truncated", Arrays.copyOf(good, good.length - 10));
        csr("not-der-long-form-length", longFormLength(good));
        csr("not-der-sequence-of-nothing", new byte[] {0x30, 0x00});
        csr("not-der-random-bytes", new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, 1, 2});
        csr("not-der-length-overflow", new byte[] {0x30, (byte) 0x84, (byte) 0xff, (byte) 0xff,
                (byte) 0xff, (byte) 0xff, 0});
        csr("not-der-deep-nesting", deepNesting(2000));
        csr("empty", new byte[0]);
        var flipped = good.clone();
        flipped[flipped.length - 5] ^= 0x01;
        csr("signature-bit-flipped", flipped);
        csr("signature-by-another-key", csr(ec("secp256r1"), ec.getPublic(), "SHA256withECDSA",
                new X500Name("CN=" + ORDERED), san(ORDERED)));
        csr("signature-sha1-rsa", csr(rsa, "SHA1withRSA", new X500Name("CN=" + ORDERED),
                san(ORDERED)));
        csr("rsa-1024", csr(rsa(1024, RSAKeyGenParameterSpec.F4), "SHA256withRSA",
                new X500Name("CN=" + ORDERED), san(ORDERED)));
        csr("rsa-exponent-3", csr(rsa(2048, RSAKeyGenParameterSpec.F0), "SHA256withRSA",
                new X500Name("CN=" + ORDERED), san(ORDERED)));
        csr("rsa-exponent-17", csr(rsa(2048, BigInteger.valueOf(17)), "SHA256withRSA",
                new X500Name("CN=" + ORDERED), san(ORDERED)));
        csr("rsa-exponent-even", csr(rsa, rsaKey((RSAPublicKey) rsa.getPublic(),
                BigInteger.valueOf(65538)), "SHA256withRSA", new X500Name("CN=" + ORDERED),
                san(ORDERED)));
        csr("rsa-exponent-1", csr(rsa, rsaKey((RSAPublicKey) rsa.getPublic(), BigInteger.ONE),
                "SHA256withRSA", new X500Name("CN=" + ORDERED), san(ORDERED)));
        csr("ec-secp256k1", csr(ec("secp256k1"), "SHA256withECDSA",
                new X500Name("CN=" + ORDERED), san(ORDERED)));
        csr("ec-p521", csr(ec("secp521r1"), "SHA512withECDSA", new X500Name("CN=" + ORDERED),
                san(ORDERED)));
        csr("ec-brainpool", csr(ec("brainpoolP256r1"), "SHA256withECDSA",
                new X500Name("CN=" + ORDERED), san(ORDERED)));
        csr("ed25519", csr(pair("Ed25519", null), "Ed25519", new X500Name("CN=" + ORDERED),
                san(ORDERED)));
        csr("dsa", csr(pair("DSA", null), "SHA256withDSA", new X500Name("CN=" + ORDERED),
                san(ORDERED)));
        csr("extra-name", csr(ec, "SHA256withECDSA", new X500Name("CN=" + ORDERED),
                san(ORDERED, "mx-extra.example.test")));
        csr("other-name-only", csr(ec, "SHA256withECDSA", new X500Name("CN=mx9.example.test"),
                san("mx9.example.test")));
        csr("cn-differs-from-san", csr(ec, "SHA256withECDSA", new X500Name("CN=mx9.example.test"),
                san(ORDERED)));
        csr("duplicate-san-extensions", csrRaw(ec, new X500Name("CN=" + ORDERED),
                List.of(new DERSequence(new ASN1Encodable[] {sanExtension(ORDERED),
                        sanExtension("mx-extra.example.test")}))));
        csr("split-san-attributes", csrRaw(ec, new X500Name("CN=" + ORDERED), List.of(
                new DERSequence(new ASN1Encodable[] {sanExtension(ORDERED)}),
                new DERSequence(new ASN1Encodable[] {sanExtension("mx-extra.example.test")}))));
        csr("san-ip-address", csrRaw(ec, new X500Name("CN=" + ORDERED), sanOf(
                new GeneralName(GeneralName.dNSName, ORDERED),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"))));
        csr("san-email", csrRaw(ec, new X500Name("CN=" + ORDERED), sanOf(
                new GeneralName(GeneralName.dNSName, ORDERED),
                new GeneralName(GeneralName.rfc822Name, "postmaster@example.test"))));
        csr("san-uri", csrRaw(ec, new X500Name("CN=" + ORDERED), sanOf(
                new GeneralName(GeneralName.dNSName, ORDERED),
                new GeneralName(GeneralName.uniformResourceIdentifier,
                        "https://mx-hostile.example.test/"))));
        csr("san-nul-byte", csr(ec, "SHA256withECDSA", new X500Name("CN=" + ORDERED),
                san(ORDERED + "\u0000.evil.test")));
        csr("san-space", csr(ec, "SHA256withECDSA", new X500Name("CN=" + ORDERED),
                san(ORDERED, "mx hostile.example.test")));
        csr("san-wildcard", csr(ec, "SHA256withECDSA", new X500Name("CN=" + ORDERED),
                san(ORDERED, "*.example.test")));
        csr("san-label-64", csr(ec, "SHA256withECDSA", new X500Name("CN=" + ORDERED),
                san(ORDERED, "mx" + "a".repeat(62) + ".example.test")));
        csr("san-localhost", csr(ec, "SHA256withECDSA", new X500Name("CN=" + ORDERED),
                san(ORDERED, "localhost")));
        csr("san-empty-extension", csrRaw(ec, new X500Name("CN=" + ORDERED), List.of(
                new DERSequence(new ASN1Encodable[] {new Extension(
                        Extension.subjectAlternativeName, false,
                        new DEROctetString(new byte[] {0x30, 0x00}))}))));
        csr("san-extension-garbage", csrRaw(ec, new X500Name("CN=" + ORDERED), List.of(
                new DERSequence(new ASN1Encodable[] {new Extension(
                        Extension.subjectAlternativeName, false,
                        new DEROctetString(new byte[] {1, 2, 3}))}))));
        csr("cn-ia5-with-nul", csr(ec, "SHA256withECDSA", new X500Name("CN=" + ORDERED
                + "\\00"), san(ORDERED)));
        var names = new String[101];
        for (int i = 0; i < names.length; i++) {
            names[i] = "mx" + i + ".example.test";
        }
        csr("hundred-and-one-names", csr(ec, "SHA256withECDSA", new X500Name("CN=" + ORDERED),
                san(names)));
        csr("no-names", csr(ec, "SHA256withECDSA", new X500Name("O=Hostile"), null));

        finalizeCase("csr/csr-with-base64-padding", "finalize", b64(good) + "==", 400,
                "badCSR", Map.of());
        finalizeCase("csr/csr-with-standard-base64-chars", "finalize",
                Base64.getEncoder().encodeToString(good).replace('A', '+'), 400, "badCSR",
                Map.of());
        finalizeCase("csr/csr-with-whitespace", "finalize",
                b64(good).substring(0, 20) + " " + b64(good).substring(20), 400, "badCSR",
                Map.of());
        finalizeCase("csr/csr-too-large", "finalize", "A".repeat(20_000), 400, "badCSR",
                Map.of());
        finalizeCase("csr/csr-of-a-pending-order", "pendingFinalize", b64(good), 403,
                "orderNotReady", Map.of());
        var cnOnly = csr(ec("secp256r1"), "SHA256withECDSA", new X500Name("CN=" + ORDERED),
                null);
        finalizeCase("csr/cn-only-names-the-order", "freshFinalize", b64(cnOnly), 200, null,
                Map.of("certificate", 1));
        finalizeCase("csr/san-only-no-subject", "freshFinalize", b64(csr(ec("secp256r1"),
                "SHA256withECDSA", new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
                san(ORDERED))), 200, null, Map.of("certificate", 1));
        var r = new LinkedHashMap<String, Object>();
        r.put("key", "account");
        r.put("protected", kidHeader("ES256"));
        r.put("payload", Map.of("csr", 12345));
        r.put("signature", "valid");
        add("csr/csr-is-a-number", "finalize", r, 400, "malformed");
        var missing = new LinkedHashMap<>(r);
        missing.put("payload", Map.of());
        add("csr/csr-missing", "finalize", missing, 400, "malformed");
    }

    private void csr(String name, byte[] der) {
        finalizeCase("csr/" + name, "finalize", b64(der), 400, "badCSR", Map.of());
    }

    private void finalizeCase(String name, String target, String csr, int status, String type,
            Map<String, Integer> changes) {
        var r = new LinkedHashMap<String, Object>();
        r.put("key", "account");
        r.put("protected", kidHeader("ES256"));
        r.put("payload", Map.of("csr", csr));
        r.put("signature", "valid");
        add(name, target, r, status, type, changes);
    }

    private static byte[] csr(KeyPair key, String alg, X500Name subject, GeneralNames san)
            throws Exception {
        return csr(key, key.getPublic(), alg, subject, san);
    }

    private static byte[] csr(KeyPair signer, java.security.PublicKey subjectKey, String alg,
            X500Name subject, GeneralNames san) throws Exception {
        return csr(signer, SubjectPublicKeyInfo.getInstance(subjectKey.getEncoded()), alg,
                subject, san);
    }

    private static byte[] csr(KeyPair signer, SubjectPublicKeyInfo spki, String alg,
            X500Name subject, GeneralNames san) throws Exception {
        var builder = new PKCS10CertificationRequestBuilder(subject, spki);
        if (san != null) {
            builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest,
                    new DERSequence(new ASN1Encodable[] {extension(san)}));
        }
        return builder.build(signer(signer, alg)).getEncoded();
    }

    private static byte[] csrRaw(KeyPair key, X500Name subject, List<DERSequence> attributes)
            throws Exception {
        var builder = new PKCS10CertificationRequestBuilder(subject,
                SubjectPublicKeyInfo.getInstance(key.getPublic().getEncoded()));
        for (var attribute : attributes) {
            builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, attribute);
        }
        return builder.build(signer(key, "SHA256withECDSA")).getEncoded();
    }

    private static ContentSigner signer(KeyPair key, String alg) throws Exception {
        return new JcaContentSignerBuilder(alg).setProvider(BC).build(key.getPrivate());
    }

    private static GeneralNames san(String... names) {
        return new GeneralNames(Arrays.stream(names)
                .map(n -> new GeneralName(GeneralName.dNSName, new DERIA5String(n, false)))
                .toArray(GeneralName[]::new));
    }

    private static List<DERSequence> sanOf(GeneralName... names) throws IOException {
        return List.of(new DERSequence(new ASN1Encodable[] {
                extension(new GeneralNames(names))}));
    }

    private static Extension sanExtension(String name) throws IOException {
        return extension(san(name));
    }

    private static Extension extension(GeneralNames names) throws IOException {
        return new Extension(Extension.subjectAlternativeName, false,
                new DEROctetString(names.getEncoded(ASN1Encoding.DER)));
    }

    private static SubjectPublicKeyInfo rsaKey(RSAPublicKey key, BigInteger exponent)
            throws IOException {
        return new SubjectPublicKeyInfo(new AlgorithmIdentifier(
                PKCSObjectIdentifiers.rsaEncryption, org.bouncycastle.asn1.DERNull.INSTANCE),
                new org.bouncycastle.asn1.pkcs.RSAPublicKey(key.getModulus(), exponent));
    }

    private static KeyPair ec(String curve) throws GeneralSecurityException {
        return pair("EC", new ECGenParameterSpec(curve));
    }

    private static KeyPair rsa(int bits, BigInteger exponent) throws GeneralSecurityException {
        return pair("RSA", new RSAKeyGenParameterSpec(bits, exponent));
    }

    private static KeyPair pair(String algorithm,
            java.security.spec.AlgorithmParameterSpec spec) throws GeneralSecurityException {
        // DSA from the JDK: its precomputed parameters spare a slow parameter generation.
        var generator = algorithm.equals("DSA") ? KeyPairGenerator.getInstance(algorithm)
                : KeyPairGenerator.getInstance(algorithm, BC);
        if (spec != null) {
            generator.initialize(spec);
        }
        return generator.generateKeyPair();
    }

    /** The same structure with its outer length written in needless long form (not DER). */
    private static byte[] longFormLength(byte[] der) {
        if ((der[1] & 0xff) != 0x82) {
            throw new IllegalStateException("expected a two-octet length");
        }
        var out = new byte[der.length + 1];
        out[0] = der[0];
        out[1] = (byte) 0x83;
        out[2] = 0;
        System.arraycopy(der, 2, out, 3, der.length - 2);
        return out;
    }

    private static byte[] deepNesting(int depth) {
        var out = new byte[depth * 2];
        for (int i = 0; i < depth; i++) {
            out[i * 2] = 0x30;
            out[i * 2 + 1] = (byte) 0x80;
        }
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        var out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // --- HTTP framing, methods and content types ------------------------------------------

    private void http() {
        // OPTIONS is answered by Quarkus with the allowed methods, as HTTP means it to be.
        plain("http/method-options-on-new-order", "OPTIONS", "newOrder", null, null, 200, null);
        for (var method : List.of("PUT", "DELETE", "PATCH", "FOO")) {
            plain("http/method-" + method.toLowerCase() + "-on-new-order", method, "newOrder",
                    "application/jose+json", "{}", 405, "malformed");
        }
        plain("http/method-get-on-new-account", "GET", "newAccount", null, null, 405,
                "malformed");
        plain("http/method-get-on-order", "GET", "order", null, null, 405, "malformed");
        plain("http/method-post-on-directory", "POST", "directory", "application/jose+json",
                "{}", 405, "malformed");
        plain("http/method-delete-on-account", "DELETE", "account", null, null, 405,
                "malformed");
        for (var type : List.of("application/json", "text/plain", "application/x-www-form-"
                + "urlencoded", "multipart/form-data; boundary=x", "application/jose",
                "application/jose+json+xml", "")) {
            var slug = type.isEmpty() ? "empty" : type.replaceAll("[^a-z]+", "-");
            var r = new LinkedHashMap<String, Object>();
            r.put("key", "account");
            r.put("protected", kidHeader("ES256"));
            r.put("payload", identifiersPayload("mx-hostile-new.example.test"));
            r.put("signature", "valid");
            var c = add("http/content-type-" + slug, "newOrder", r, 415, "malformed");
            ((Map<String, Object>) c.get("request")).put("contentType", type);
        }
        var noType = new LinkedHashMap<String, Object>();
        noType.put("key", "fresh");
        noType.put("protected", jwkHeader("ES256"));
        noType.put("payload", Map.of("termsOfServiceAgreed", true));
        noType.put("signature", "valid");
        var c = add("http/content-type-missing", "newAccount", noType, 415, "malformed");
        ((Map<String, Object>) c.get("request")).put("contentType", null);

        var oversized = new LinkedHashMap<String, Object>();
        oversized.put("prefix", "{\"protected\":\"");
        oversized.put("repeat", "A");
        oversized.put("times", 70_000);
        oversized.put("suffix", "\",\"payload\":\"\",\"signature\":\"\"}");
        bodyRepeat("http/oversized-body-70k", "newOrder", oversized, 413, "malformed");
        var huge = new LinkedHashMap<>(oversized);
        huge.put("times", 3_000_000);
        bodyRepeat("http/oversized-body-3m", "newAccount", huge, 413, "malformed");
        var big = new LinkedHashMap<String, Object>();
        big.put("key", "account");
        big.put("protected", kidHeader("ES256"));
        big.put("payloadText", "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"mx"
                + "a".repeat(60_000) + ".example.test\"}]}");
        big.put("signature", "valid");
        add("http/oversized-signed-payload", "newOrder", big, 413, "malformed");
        var justUnder = new LinkedHashMap<String, Object>();
        justUnder.put("key", "account");
        justUnder.put("protected", kidHeader("ES256"));
        justUnder.put("payloadText", "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"mx"
                + "a".repeat(40_000) + ".example.test\"}]}");
        justUnder.put("signature", "valid");
        add("http/large-payload-under-the-limit", "newOrder", justUnder, 400,
                "malformed");
        // A chunked body (no Content-Length) under the limit reaches the resource whole.
        var chunked = new LinkedHashMap<String, Object>();
        chunked.put("key", "account");
        chunked.put("protected", kidHeader("ES256"));
        chunked.put("payloadText", "");
        chunked.put("signature", "valid");
        ((Map<String, Object>) add("http/chunked-post-as-get-account", "account", chunked, 200,
                null).get("request")).put("chunked", true);
        var contacts = new ArrayList<String>();
        for (int i = 0; i < 1500; i++) {
            contacts.add("mailto:admin" + i + "@example.test");
        }
        var many = new LinkedHashMap<String, Object>();
        many.put("key", "fresh");
        many.put("protected", jwkHeader("ES256"));
        many.put("payload", Map.of("termsOfServiceAgreed", true, "contact", contacts));
        many.put("signature", "valid");
        add("http/new-account-1500-contacts", "newAccount", many, 400, "invalidContact");

        raw("http/raw-content-length-shorter-than-body", "POST ${path:newOrder} HTTP/1.1\r\n"
                + "Host: ${host}\r\nContent-Type: application/jose+json\r\n"
                + "Content-Length: 10\r\nConnection: close\r\n\r\n"
                + "{\"protected\":\"e30\",\"payload\":\"\",\"signature\":\"\"}", 400,
                "malformed");
        // Framing Vert.x cannot decode (RFC 9112 §3, §5, §6.3) never reaches a route; it is
        // answered through InvalidRequestHook, with a problem document and Connection: close.
        // A broken chunk closes the connection at once: no time to fetch a nonce for it.
        framing("http/raw-content-length-not-a-number", "POST ${path:newOrder} HTTP/1.1\r\n"
                + "Host: ${host}\r\nContent-Type: application/jose+json\r\n"
                + "Content-Length: ten\r\nConnection: close\r\n\r\n{}", 400, "malformed", true);
        framing("http/raw-content-length-negative", "POST ${path:newOrder} HTTP/1.1\r\n"
                + "Host: ${host}\r\nContent-Type: application/jose+json\r\n"
                + "Content-Length: -5\r\nConnection: close\r\n\r\n{}", 400, "malformed", true);
        framing("http/raw-content-length-twice", "POST ${path:newOrder} HTTP/1.1\r\n"
                + "Host: ${host}\r\nContent-Type: application/jose+json\r\n"
                + "Content-Length: 2\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{}",
                400, "malformed", true);
        framing("http/raw-content-length-huge", "POST ${path:newOrder} HTTP/1.1\r\n"
                + "Host: ${host}\r\nContent-Type: application/jose+json\r\n"
                + "Content-Length: 99999999999\r\nConnection: close\r\n\r\n{}", 413,
                "malformed", true);
        framing("http/raw-content-length-and-chunked", "POST ${path:newOrder} HTTP/1.1\r\n"
                + "Host: ${host}\r\nContent-Type: application/jose+json\r\n"
                + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "2\r\n{}\r\n0\r\n\r\n", 400, "malformed", true);
        framing("http/raw-chunked-garbage-size", "POST ${path:newOrder} HTTP/1.1\r\n"
                + "Host: ${host}\r\nContent-Type: application/jose+json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                400, "malformed", false);
        framing("http/raw-chunked-oversized", "POST ${path:newOrder} HTTP/1.1\r\n"
                + "Host: ${host}\r\nContent-Type: application/jose+json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "20000\r\n" + "A".repeat(0x20000) + "\r\n0\r\n\r\n", 413, "malformed", true);
        framing("http/raw-header-too-large", "POST ${path:newOrder} HTTP/1.1\r\n"
                + "Host: ${host}\r\nX-Junk: " + "j".repeat(40_000) + "\r\n"
                + "Connection: close\r\n\r\n", 431, "malformed", true);
        // A request line over the limit, or one that is no request line, names no resource:
        // the TLS listener answers as ACME does (malformed is a valid RFC 9457 type too).
        framing("http/raw-uri-too-long", "POST ${path:newOrder}?" + "q".repeat(10_000)
                + " HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n", 414,
                "malformed", true);
        framing("http/raw-request-line-garbage", "HELLO THERE\r\nHost: ${host}\r\n\r\n", 400,
                "malformed", true);
        framing("http/raw-header-without-colon", "POST ${path:newOrder} HTTP/1.1\r\n"
                + "Host: ${host}\r\nNoColonHere\r\nContent-Length: 0\r\nConnection: close\r\n"
                + "\r\n", 400, "malformed", true);
        framing("http/raw-nul-in-path", "POST /acme/new-order\u0000x HTTP/1.1\r\nHost: ${host}\r\n"
                + "Content-Length: 0\r\nConnection: close\r\n\r\n", 400, "malformed", true);
        framing("http/raw-brace-in-path", "POST /acme/new-order{x} HTTP/1.1\r\nHost: ${host}\r\n"
                + "Content-Length: 0\r\nConnection: close\r\n\r\n", 400, "malformed", true);
        // The admin API answers the same framing errors with RFC 9457 about:blank problems.
        for (var admin : List.of(
                List.of("content-length-not-a-number", "Content-Length: ten\r\n", "400"),
                List.of("content-length-twice", "Content-Length: 2\r\nContent-Length: 3\r\n",
                        "400"),
                List.of("content-length-and-chunked", "Content-Length: 2\r\n"
                        + "Transfer-Encoding: chunked\r\n", "400"),
                List.of("header-too-large", "X-Junk: " + "j".repeat(40_000) + "\r\n", "431"))) {
            framing("http/raw-admin-" + admin.get(0), "POST /admin/v1/accounts HTTP/1.1\r\n"
                    + "Host: ${host}\r\nContent-Type: application/json\r\n" + admin.get(1)
                    + "Connection: close\r\n\r\n{}", Integer.parseInt(admin.get(2)),
                    "about:blank", false);
        }
        raw("http/raw-unknown-method", "BREW ${path:newOrder} HTTP/1.1\r\nHost: ${host}\r\n"
                + "Content-Length: 0\r\nConnection: close\r\n\r\n", 405, "malformed");
        raw("http/raw-path-traversal", "POST /acme/../acme/new-account HTTP/1.1\r\n"
                + "Host: ${host}\r\nContent-Type: application/jose+json\r\n"
                + "Content-Length: 2\r\nConnection: close\r\n\r\n{}", 400, "malformed");
    }

    private void plain(String name, String method, String target, String contentType,
            String body, int status, String type) {
        var request = new LinkedHashMap<String, Object>();
        request.put("method", method);
        request.put("target", target);
        request.put("contentType", contentType);
        request.put("body", body);
        put(name, request, status, type, Map.of());
    }

    private void body(String name, String target, String body, int status, String type) {
        var request = new LinkedHashMap<String, Object>();
        request.put("method", "POST");
        request.put("target", target);
        request.put("contentType", "application/jose+json");
        request.put("body", body);
        put(name, request, status, type, Map.of());
    }

    private void bodyRepeat(String name, String target, Map<String, Object> repeat, int status,
            String type) {
        var request = new LinkedHashMap<String, Object>();
        request.put("method", "POST");
        request.put("target", target);
        request.put("contentType", "application/jose+json");
        request.put("bodyRepeat", repeat);
        put(name, request, status, type, Map.of());
    }

    private void raw(String name, String text, int status, String type) {
        var request = new LinkedHashMap<String, Object>();
        request.put("raw", text);
        put(name, request, status, type, Map.of());
    }

    /** A raw request with broken framing: the answer closes the connection. */
    private void framing(String name, String text, int status, String type, boolean nonce) {
        var request = new LinkedHashMap<String, Object>();
        request.put("raw", text);
        var expect = (Map<String, Object>) put(name, request, status, type, Map.of())
                .get("expect");
        expect.put("connection", "close");
        if (nonce) {
            expect.put("nonce", true);
        }
    }

    private Map<String, Object> add(String name, String target, Map<String, Object> jws,
            int status, String type) {
        return add(name, target, jws, status, type, Map.of());
    }

    private Map<String, Object> add(String name, String target, Map<String, Object> jws,
            int status, String type, Map<String, Integer> changes) {
        var request = new LinkedHashMap<String, Object>();
        request.put("method", "POST");
        request.put("target", target);
        request.put("contentType", "application/jose+json");
        request.put("jws", jws);
        return put(name, request, status, type, changes);
    }

    private Map<String, Object> put(String name, Map<String, Object> request, int status,
            String type, Map<String, Integer> changes) {
        var c = new LinkedHashMap<String, Object>();
        c.put("request", request);
        var expect = new LinkedHashMap<String, Object>();
        expect.put("status", status);
        if (type != null) {
            expect.put("type", type);
        }
        if (!changes.isEmpty()) {
            expect.put("changes", changes);
        }
        c.put("expect", expect);
        if (cases.put(name, c) != null) {
            throw new IllegalStateException("two cases named " + name);
        }
        return c;
    }

    private void write() throws IOException {
        if (Files.isDirectory(OUT)) {
            try (var files = Files.walk(OUT)) {
                for (var f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    if (Files.isRegularFile(f) && f.toString().endsWith(".json")) {
                        Files.delete(f);
                    }
                }
            }
        }
        for (var entry : cases.entrySet()) {
            var file = OUT.resolve(entry.getKey() + ".json");
            Files.createDirectories(file.getParent());
            Files.writeString(file, JSON.writeValueAsString(entry.getValue()) + "\n");
        }
        System.out.println("wrote " + cases.size() + " cases to " + OUT);
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
