package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * RFC 8555 §7.1.3–§7.1.6: the fields every order, authorization and challenge carries in each
 * state, and the moves between states.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class OrderLifecycleTest {

    @Test
    void pendingObjectsCarryEveryRequiredField() {
        var account = AcmeHttp.register();

        var created = AcmeHttp.newOrder(account, "mx1.example.test");

        assertThat(created.headers("Location")).hasSize(1);
        var order = created.json();
        assertOrder(order, "pending");
        assertThat(order.has("certificate")).isFalse();
        var authzUrl = order.get("authorizations").get(0).asText();
        var authz = account.postAsGet(authzUrl).json();
        assertAuthorization(authz, "pending");
        assertThat(authz.get("challenges")).extracting(c -> c.get("type").asText())
                .containsExactlyInAnyOrder("http-01", "dns-01", "tls-alpn-01");
        for (var challenge : authz.get("challenges")) {
            assertChallenge(challenge, "pending");
            assertThat(challenge.has("validated")).isFalse();
            assertThat(challenge.has("error")).isFalse();
            var read = account.postAsGet(challenge.get("url").asText());
            assertThat(read.status()).isEqualTo(200);
            assertThat(read.json()).isEqualTo(challenge);
            assertThat(read.headers("Link")).contains("<" + authzUrl + ">;rel=\"up\"");
        }
    }

    @Test
    void finalizingAPendingOrderIsOrderNotReady() {
        var account = AcmeHttp.register();
        var order = AcmeHttp.newOrder(account, "mx1.example.test").json();

        var reply = account.post(order.get("finalize").asText(), Issuance.finalizePayload(
                Issuance.csr(Issuance.certificateKey(), "mx1.example.test")));

        assertThat(reply.status()).as("%s", reply).isEqualTo(403);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "orderNotReady");
    }

    @Test
    void orderIsReadyOnceItsLastChallengeIsValid() {
        var account = AcmeHttp.register();
        var created = AcmeHttp.newOrder(account, "mx1.example.test", "smtp1.example.test");
        var orderUrl = created.location();
        var authzUrls = created.json().get("authorizations");
        assertThat(authzUrls).hasSize(2);

        AcmeHttp.triggerHttp01(account, authzUrls.get(0).asText());
        AcmeHttp.pollUntil(account, authzUrls.get(0).asText(), AcmeHttp.statusIsNot("pending"));
        assertThat(account.postAsGet(orderUrl).json().get("status").asText())
                .isEqualTo("pending");
        var triggered = AcmeHttp.triggerHttp01(account, authzUrls.get(1).asText());
        var challengeUrl = triggered.json().get("url").asText();
        var challenge = AcmeHttp.pollUntil(account, challengeUrl,
                c -> !"processing".equals(c.get("status").asText())
                        && !"pending".equals(c.get("status").asText())).json();

        assertThat(challenge.get("status").asText()).isEqualTo("valid");
        // No waiting here: the order is ready as soon as the challenge reads valid.
        var order = account.postAsGet(orderUrl).json();
        assertOrder(order, "ready");
        var authz = account.postAsGet(authzUrls.get(1).asText()).json();
        assertAuthorization(authz, "valid");
        assertThat(authz.get("challenges")).hasSize(1);
        var validChallenge = authz.get("challenges").get(0);
        assertChallenge(validChallenge, "valid");
        assertThat(Instant.parse(validChallenge.get("validated").asText())).isNotNull();
        assertThat(validChallenge.has("error")).isFalse();
    }

    @Test
    void validOrderNamesItsCertificate() {
        var account = AcmeHttp.register();
        var issued = Issuance.issue(account, "mail1.example.test");

        var order = account.postAsGet(issued.orderUrl()).json();

        assertOrder(order, "valid");
        assertThat(order.get("certificate").asText()).startsWith(AcmeHttp.BASE + "/cert/");
    }

    @Test
    void failedChallengeCarriesAnErrorAndFailsTheOrder() {
        var account = AcmeHttp.register();
        var created = AcmeHttp.newOrder(account, "mx-fail.example.test");
        var authzUrl = created.json().get("authorizations").get(0).asText();
        var challenge = AcmeHttp.challengeOf(account.postAsGet(authzUrl).json(), "http-01");
        // The responder answers a different key authorization than the server expects.
        Http01Responder.serve(challenge.get("token").asText(),
                challenge.get("token").asText() + ".wrong-thumbprint");
        account.post(challenge.get("url").asText(), "{}");

        var failed = AcmeHttp.pollUntil(account, challenge.get("url").asText(),
                c -> "invalid".equals(c.get("status").asText())
                        || "valid".equals(c.get("status").asText())).json();

        assertChallenge(failed, "invalid");
        assertThat(failed.get("error").get("type").asText())
                .isEqualTo(AcmeHttp.ERROR + "incorrectResponse");
        assertThat(failed.has("validated")).isFalse();
        var authz = account.postAsGet(authzUrl).json();
        assertAuthorization(authz, "invalid");
        var order = account.postAsGet(created.location()).json();
        assertThat(order.get("status").asText()).isEqualTo("invalid");
        assertThat(order.get("error").get("type").asText()).startsWith(AcmeHttp.ERROR);
    }

    @Test
    void accountListsItsOrders() {
        var account = AcmeHttp.register();
        var first = AcmeHttp.newOrder(account, "mx1.example.test").location();
        var second = AcmeHttp.newOrder(account, "mx2.example.test").location();

        var list = account.postAsGet(account.url() + "/orders");

        assertThat(list.status()).as("%s", list).isEqualTo(200);
        assertThat(list.json().get("orders")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder(first, second);
    }

    /** §7.1.3: status, expires (pending and valid), identifiers, authorizations, finalize. */
    private static void assertOrder(JsonNode order, String status) {
        assertThat(order.get("status").asText()).as("%s", order).isEqualTo(status);
        assertThat(Instant.parse(order.get("expires").asText())).isAfter(Instant.now());
        assertThat(order.get("identifiers").isArray()).isTrue();
        assertThat(order.get("identifiers")).isNotEmpty().allSatisfy(i -> {
            assertThat(i.get("type").asText()).isEqualTo("dns");
            assertThat(i.get("value").isTextual()).isTrue();
        });
        assertThat(order.get("authorizations")).isNotEmpty()
                .allSatisfy(a -> assertThat(a.asText()).startsWith(AcmeHttp.BASE + "/authz/"));
        assertThat(order.get("finalize").asText()).startsWith(AcmeHttp.BASE + "/order/")
                .endsWith("/finalize");
        assertThat(order.has("certificate")).isEqualTo("valid".equals(status));
    }

    /** §7.1.4: identifier, status, expires, challenges. */
    private static void assertAuthorization(JsonNode authz, String status) {
        assertThat(authz.get("status").asText()).as("%s", authz).isEqualTo(status);
        assertThat(authz.get("identifier").get("type").asText()).isEqualTo("dns");
        assertThat(authz.get("identifier").get("value").isTextual()).isTrue();
        assertThat(Instant.parse(authz.get("expires").asText())).isNotNull();
        assertThat(authz.get("challenges").isArray()).isTrue();
    }

    /** §7.1.5 and §8: type, url, status, token. */
    private static void assertChallenge(JsonNode challenge, String status) {
        assertThat(challenge.get("status").asText()).as("%s", challenge).isEqualTo(status);
        assertThat(challenge.get("type").isTextual()).isTrue();
        assertThat(challenge.get("url").asText()).startsWith(AcmeHttp.BASE + "/chall/");
        assertThat(challenge.get("token").asText()).matches("[A-Za-z0-9_-]{22,}");
    }
}
