package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.security.SecureRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 8555 §6.2–§6.4: which signatures MailCA accepts, the {@code url} header, POST-only
 * resources, and the exact content types of §6 and §7.4.2.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class JwsTest {

    static Stream<Arguments> accountKeys() {
        return Stream.of(
                Arguments.of("ok/RS256-2048", (Supplier<AccountKey>) () -> AccountKey.rs256(2048)),
                Arguments.of("ok/ES256-P256", (Supplier<AccountKey>) AccountKey::es256),
                Arguments.of("ok/ES384-P384", (Supplier<AccountKey>) AccountKey::es384),
                Arguments.of("ok/ES512-P521", (Supplier<AccountKey>) AccountKey::es512),
                Arguments.of("ok/EdDSA-Ed25519", (Supplier<AccountKey>) AccountKey::ed25519));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accountKeys")
    void registersAndOrders(String name, Supplier<AccountKey> key) {
        var account = AcmeHttp.register(key.get());

        var order = account.post(AcmeHttp.NEW_ORDER, AcmeHttp.orderPayload("mx1.example.test"));

        assertThat(order.status()).as("%s", order).isEqualTo(201);
        assertThat(order.json().get("status").asText()).isEqualTo("pending");
    }

    static Stream<Arguments> refusedAlgorithms() {
        return Stream.of(
                Arguments.of("fail/HS256", (Supplier<String>) JwsTest::hs256),
                Arguments.of("fail/none", (Supplier<String>) JwsTest::algNone));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedAlgorithms")
    void refusesAlgorithmWithTheListOfAccepted(String name, Supplier<String> jws) {
        var reply = AcmeHttp.post(AcmeHttp.NEW_ACCOUNT, jws.get());

        assertThat(reply.status()).as("%s", reply).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "badSignatureAlgorithm");
        assertThat(reply.json().get("algorithms")).extracting(n -> n.asText())
                .containsExactlyInAnyOrder("RS256", "ES256", "ES384", "ES512", "EdDSA");
    }

    @Test
    void refusesRsa1024AsBadPublicKey() {
        var key = AccountKey.rs256(1024);

        var reply = AcmeHttp.post(AcmeHttp.NEW_ACCOUNT,
                key.signWithJwk(AcmeHttp.NEW_ACCOUNT, AcmeHttp.nonce(), "{}"));

        assertThat(reply.status()).as("%s", reply).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "badPublicKey");
    }

    @Test
    void wrongUrlHeaderIsUnauthorized() {
        var account = AcmeHttp.register();

        var reply = AcmeHttp.post(AcmeHttp.NEW_ORDER, account.key().signWithKid(account.url(),
                AcmeHttp.BASE + "/new-order?x=1", AcmeHttp.nonce(),
                AcmeHttp.orderPayload("mx1.example.test")));

        assertThat(reply.status()).as("%s", reply).isEqualTo(403);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "unauthorized");
    }

    @Test
    void unknownKidIsAccountDoesNotExist() {
        var key = AccountKey.es256();

        var reply = AcmeHttp.post(AcmeHttp.NEW_ORDER, key.signWithKid(AcmeHttp.BASE
                + "/acct/nosuchaccount", AcmeHttp.NEW_ORDER, AcmeHttp.nonce(),
                AcmeHttp.orderPayload("mx1.example.test")));

        assertThat(reply.status()).as("%s", reply).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "accountDoesNotExist");
    }

    @Test
    void getOnPostOnlyResourceIs405Problem() {
        var reply = AcmeHttp.get(AcmeHttp.NEW_ORDER);

        assertThat(reply.status()).isEqualTo(405);
        assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "malformed");
        assertThat(reply.header("Allow")).isEqualTo("POST");
    }

    @Test
    void anotherAccountsOrderIsUnauthorized() {
        var owner = AcmeHttp.register();
        var order = AcmeHttp.newOrder(owner, "mx1.example.test");
        var stranger = AcmeHttp.register();

        var reply = stranger.postAsGet(order.location());

        assertThat(reply.status()).as("%s", reply).isEqualTo(403);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "unauthorized");
    }

    @Test
    void contentTypesCarryNoParameters() {
        var key = AccountKey.es256();
        var account = AcmeHttp.post(AcmeHttp.NEW_ACCOUNT,
                key.signWithJwk(AcmeHttp.NEW_ACCOUNT, AcmeHttp.nonce(), "{}"));
        var problem = AcmeHttp.post(AcmeHttp.NEW_ACCOUNT,
                key.signWithJwk(AcmeHttp.NEW_ACCOUNT, "bm9uY2U", "{}"));

        assertThat(AcmeHttp.get(AcmeHttp.DIRECTORY).header("Content-Type"))
                .isEqualTo("application/json");
        assertThat(account.header("Content-Type")).isEqualTo("application/json");
        assertThat(problem.header("Content-Type")).isEqualTo("application/problem+json");
    }

    @Test
    void wrongRequestContentTypeIsRefused() {
        var key = AccountKey.es256();
        var reply = AcmeHttp.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(AcmeHttp.NEW_ACCOUNT))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        key.signWithJwk(AcmeHttp.NEW_ACCOUNT, AcmeHttp.nonce(), "{}")))
                .build());

        assertThat(reply.status()).isEqualTo(415);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "malformed");
        assertThat(reply.header("Replay-Nonce")).isNotBlank();
    }

    private static String hs256() {
        var secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        var jws = new JsonWebSignature();
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
        jws.setJwkHeader(publicJwk(AccountKey.es256()));
        jws.setHeader("nonce", AcmeHttp.nonce());
        jws.setHeader("url", AcmeHttp.NEW_ACCOUNT);
        jws.setPayload("{}");
        jws.setKey(new HmacKey(secret));
        try {
            return AccountKey.flattened(jws.getCompactSerialization());
        } catch (org.jose4j.lang.JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String algNone() {
        var header = "{\"alg\":\"none\",\"jwk\":" + AccountKey.es256().jwkJson()
                + ",\"nonce\":\"" + AcmeHttp.nonce() + "\",\"url\":\"" + AcmeHttp.NEW_ACCOUNT
                + "\"}";
        return AccountKey.flattened(AccountKey.base64url(header) + "."
                + AccountKey.base64url("{}") + ".");
    }

    private static PublicJsonWebKey publicJwk(AccountKey key) {
        try {
            return PublicJsonWebKey.Factory.newPublicJwk(key.jwkJson());
        } catch (org.jose4j.lang.JoseException e) {
            throw new IllegalStateException(e);
        }
    }
}
