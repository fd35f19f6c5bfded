package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.registration.ExternalAccountKeys;
import io.mailca.registration.Operator;
import io.mailca.registration.OperatorQueries;
import io.mailca.registration.Role;
import io.mailca.store.EabKeys;
import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * External Account Binding in newAccount (RFC 8555 §7.3.4): the accepted MAC algorithms and a
 * table of refusals, each with its problem type and detail.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class ExternalAccountBindingTest {
    private static final Operator OPERATOR = new Operator("test", Role.OPERATOR);

    @Inject
    ExternalAccountKeys keys;

    @Inject
    EabKeys store;

    @Inject
    OperatorQueries queries;

    /** A binding as a client builds it; the parameters let a case get one thing wrong. */
    static String binding(String alg, String kid, byte[] macKey, String url, String payload,
            boolean nonce) {
        try {
            var header = AcmeHttp.JSON.createObjectNode().put("alg", alg).put("kid", kid)
                    .put("url", url);
            if (nonce) {
                header.put("nonce", "abc");
            }
            var encoder = Base64.getUrlEncoder().withoutPadding();
            var input = encoder.encodeToString(AcmeHttp.JSON.writeValueAsBytes(header)) + "."
                    + encoder.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
            var macName = switch (alg) {
                case "HS384" -> "HmacSHA384";
                case "HS512" -> "HmacSHA512";
                default -> "HmacSHA256";
            };
            var mac = Mac.getInstance(macName);
            mac.init(new SecretKeySpec(macKey, macName));
            var signature = encoder.encodeToString(
                    mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
            var parts = input.split("\\.");
            return "{\"protected\":\"" + parts[0] + "\",\"payload\":\"" + parts[1]
                    + "\",\"signature\":\"" + signature + "\"}";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private AcmeHttp.Reply register(AccountKey key, String binding) {
        return AcmeHttp.post(AcmeHttp.NEW_ACCOUNT, key.signWithJwk(AcmeHttp.NEW_ACCOUNT,
                AcmeHttp.nonce(), "{\"termsOfServiceAgreed\":true,\"externalAccountBinding\":"
                        + binding + "}"));
    }

    private static byte[] mac(ExternalAccountKeys.CreatedKey key) {
        return Base64.getUrlDecoder().decode(key.hmacKey());
    }

    @Test
    void hs256Hs384AndHs512BindAnAccountAndCopyTheNameScope() {
        for (var alg : List.of("HS256", "HS384", "HS512")) {
            var created = keys.create(OPERATOR, "alg " + alg, List.of("mx1.example.test",
                    "smtp*.example.test"), null);
            var key = AccountKey.es256();

            var reply = register(key, binding(alg, created.info().kid(), mac(created),
                    AcmeHttp.NEW_ACCOUNT, key.jwkJson(), false));

            assertThat(reply.status()).as("%s: %s", alg, reply).isEqualTo(201);
            var id = reply.location().substring(reply.location().lastIndexOf('/') + 1);
            var account = queries.account(id).orElseThrow();
            assertThat(account.eabKeyId()).isEqualTo(created.info().kid());
            assertThat(account.nameScope())
                    .containsExactly("mx1.example.test", "smtp*.example.test");
            assertThat(created.hmacKey()).matches("[A-Za-z0-9_-]{43}");
        }
    }

    @Test
    void registeringAgainReturnsTheAccountWhateverBindingIsSent() {
        var created = keys.create(OPERATOR, null, null, null);
        var key = AccountKey.es256();
        var first = register(key, binding("HS256", created.info().kid(), mac(created),
                AcmeHttp.NEW_ACCOUNT, key.jwkJson(), false));
        assertThat(first.status()).as("%s", first).isEqualTo(201);

        var same = register(key, binding("HS256", created.info().kid(), mac(created),
                AcmeHttp.NEW_ACCOUNT, key.jwkJson(), false));
        var garbage = register(key, "{\"protected\":\"x\"}");

        assertThat(same.status()).as("%s", same).isEqualTo(200);
        assertThat(same.location()).isEqualTo(first.location());
        assertThat(garbage.status()).as("%s", garbage).isEqualTo(200);
        assertThat(garbage.location()).isEqualTo(first.location());
    }

    record Case(String name, String type, String detail) {
    }

    @Test
    void refusals() {
        var url = AcmeHttp.NEW_ACCOUNT;
        var good = keys.create(OPERATOR, null, null, null);
        var revoked = keys.create(OPERATOR, null, null, null);
        keys.revoke(OPERATOR, revoked.info().kid());
        var expired = keys.create(OPERATOR, null, null, Instant.now().plus(1, ChronoUnit.DAYS));
        QuarkusTransaction.requiringNew().run(() -> store.byKid(expired.info().kid())
                .orElseThrow().expiresAt = Instant.parse("2020-01-01T00:00:00Z"));
        var used = keys.create(OPERATOR, null, null, null);
        var firstKey = AccountKey.es256();
        assertThat(register(firstKey, binding("HS256", used.info().kid(), mac(used), url,
                firstKey.jwkJson(), false)).status()).isEqualTo(201);

        var malformed = AcmeHttp.ERROR + "malformed";
        var unauthorized = AcmeHttp.ERROR + "unauthorized";
        var kid = good.info().kid();
        var unknownOrBadMac = " is unknown, or its MAC does not verify";
        var cases = new Object[][] {
            {"fail/alg-RS256", "RS256", kid, mac(good), url, null, false, malformed,
                "externalAccountBinding alg RS256 is not accepted; use one of HS256, HS384,"
                        + " HS512"},
            {"fail/alg-none", "none", kid, mac(good), url, null, false, malformed,
                "externalAccountBinding alg none is not accepted; use one of HS256, HS384,"
                        + " HS512"},
            {"fail/nonce", "HS256", kid, mac(good), url, null, true, malformed,
                "externalAccountBinding must not carry a nonce (RFC 8555 §7.3.4)"},
            {"fail/other-url", "HS256", kid, mac(good), AcmeHttp.NEW_ORDER, null, false,
                malformed, "externalAccountBinding url must equal the url of the outer JWS"},
            {"fail/payload-other-key", "HS256", kid, mac(good), url,
                AccountKey.es256().jwkJson(), false, malformed, "externalAccountBinding"
                        + " payload must be the account key, the jwk of the outer JWS"},
            {"fail/payload-not-a-key", "HS256", kid, mac(good), url, "{\"a\":1}", false,
                malformed, "externalAccountBinding payload must be the account key, the jwk"
                        + " of the outer JWS"},
            {"fail/unknown-kid", "HS256", "no-such-kid", mac(good), url, null, false,
                unauthorized, "the externalAccountBinding kid no-such-kid" + unknownOrBadMac},
            {"fail/wrong-mac-key", "HS256", kid, new byte[32], url, null, false, unauthorized,
                "the externalAccountBinding kid " + kid + unknownOrBadMac},
            {"fail/revoked", "HS256", revoked.info().kid(), mac(revoked), url, null, false,
                unauthorized, "the external account key " + revoked.info().kid()
                        + " has been revoked"},
            {"fail/expired", "HS256", expired.info().kid(), mac(expired), url, null, false,
                unauthorized, "the external account key " + expired.info().kid()
                        + " expired at 2020-01-01T00:00:00Z"},
            {"fail/already-used", "HS256", used.info().kid(), mac(used), url, null, false,
                unauthorized, "the external account key " + used.info().kid()
                        + " is already bound to another account"},
        };
        for (var c : cases) {
            var key = AccountKey.es256();
            var payload = c[5] == null ? key.jwkJson() : (String) c[5];

            var reply = register(key, binding((String) c[1], (String) c[2], (byte[]) c[3],
                    (String) c[4], payload, (Boolean) c[6]));

            assertThat(reply.status()).as("%s: %s", c[0], reply).isIn(400, 403);
            assertThat(reply.problemType()).as("%s", c[0]).isEqualTo(c[7]);
            assertThat(reply.json().get("detail").asText()).as("%s", c[0]).isEqualTo(c[8]);
        }
        // None of the refusals bound the good key.
        assertThat(QuarkusTransaction.requiringNew().call(() ->
                store.byKid(kid).orElseThrow().accountId)).isNull();
    }
}
