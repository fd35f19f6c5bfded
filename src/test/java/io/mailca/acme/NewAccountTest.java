package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** RFC 8555 §7.3 and §7.3.1: creating an account and finding an existing one. */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class NewAccountTest {

    @Test
    void onlyReturnExistingForAnUnknownKeyCreatesNothing() {
        var key = AccountKey.es256();

        var lookup = newAccount(key, "{\"onlyReturnExisting\":true}");

        assertThat(lookup.status()).as("%s", lookup).isEqualTo(400);
        assertThat(lookup.problemType()).isEqualTo(AcmeHttp.ERROR + "accountDoesNotExist");
        assertThat(lookup.headers("Location")).isEmpty();
        // Nothing was created: registering the key now creates its account.
        var created = newAccount(key, "{\"termsOfServiceAgreed\":true}");
        assertThat(created.status()).as("%s", created).isEqualTo(201);
    }

    @Test
    void newKeyCreatesAnAccountWithOneLocation() {
        var reply = newAccount(AccountKey.es256(),
                "{\"termsOfServiceAgreed\":true,\"contact\":[\"mailto:postmaster@example.test\"]}");

        assertThat(reply.status()).as("%s", reply).isEqualTo(201);
        assertThat(reply.headers("Location")).hasSize(1);
        assertThat(reply.location()).startsWith(AcmeHttp.BASE + "/acct/");
        var account = reply.json();
        assertThat(account.get("status").asText()).isEqualTo("valid");
        assertThat(account.get("contact").get(0).asText())
                .isEqualTo("mailto:postmaster@example.test");
        assertThat(account.get("orders").asText()).isEqualTo(reply.location() + "/orders");
    }

    @Test
    void sameKeyAgainFindsTheAccount() {
        var key = AccountKey.es256();
        var created = newAccount(key, "{\"termsOfServiceAgreed\":true}");

        var again = newAccount(key, "{\"termsOfServiceAgreed\":true}");

        assertThat(again.status()).as("%s", again).isEqualTo(200);
        assertThat(again.headers("Location")).containsExactly(created.location());
        assertThat(again.json().get("status").asText()).isEqualTo("valid");
        assertThat(again.json().get("orders").asText()).isEqualTo(created.location() + "/orders");
    }

    @Test
    void onlyReturnExistingTrueFindsTheAccount() {
        var key = AccountKey.es256();
        var created = newAccount(key, "{}");

        var lookup = newAccount(key, "{\"onlyReturnExisting\":true}");

        assertThat(lookup.status()).as("%s", lookup).isEqualTo(200);
        assertThat(lookup.headers("Location")).containsExactly(created.location());
        assertThat(lookup.json().get("status").asText()).isEqualTo("valid");
    }

    @Test
    void onlyReturnExistingFalseActsAsIfAbsent() {
        var key = AccountKey.es256();

        var created = newAccount(key, "{\"onlyReturnExisting\":false}");
        var again = newAccount(key, "{\"onlyReturnExisting\":false}");

        assertThat(created.status()).as("%s", created).isEqualTo(201);
        assertThat(again.status()).as("%s", again).isEqualTo(200);
        assertThat(again.headers("Location")).containsExactly(created.location());
    }

    @Test
    void accountUrlAnswersPostAsGetWithTheAccount() {
        var account = AcmeHttp.register();

        var reply = account.postAsGet(account.url());

        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        assertThat(reply.json().get("status").asText()).isEqualTo("valid");
    }

    @Test
    void newAccountSignedWithKidIsMalformed() {
        var account = AcmeHttp.register();

        var reply = account.post(AcmeHttp.NEW_ACCOUNT, "{}");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "malformed");
    }

    @Test
    void deactivatedAccountSignsNothingMore() {
        var account = AcmeHttp.register();

        var deactivated = account.post(account.url(), "{\"status\":\"deactivated\"}");

        assertThat(deactivated.status()).as("%s", deactivated).isEqualTo(200);
        assertThat(deactivated.json().get("status").asText()).isEqualTo("deactivated");
        // §7.3.6: no further request authorized by the account's key is accepted.
        var order = account.post(AcmeHttp.NEW_ORDER, AcmeHttp.orderPayload("mx1.example.test"));
        assertThat(order.status()).as("%s", order).isEqualTo(403);
        assertThat(order.problemType()).isEqualTo(AcmeHttp.ERROR + "unauthorized");
        var lookup = newAccount(account.key(), "{\"onlyReturnExisting\":true}");
        assertThat(lookup.status()).as("%s", lookup).isEqualTo(403);
        assertThat(lookup.problemType()).isEqualTo(AcmeHttp.ERROR + "unauthorized");
    }

    private static AcmeHttp.Reply newAccount(AccountKey key, String payload) {
        return AcmeHttp.post(AcmeHttp.NEW_ACCOUNT,
                key.signWithJwk(AcmeHttp.NEW_ACCOUNT, AcmeHttp.nonce(), payload));
    }
}
