package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 8555 §7.3.5: account key rollover with a nested JWS. */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class KeyChangeTest {

    @Test
    void newKeyReplacesTheOldOne() {
        var account = AcmeHttp.register();
        // Same key type: the old key's signature must fail as a signature, not as an algorithm.
        var newKey = AccountKey.es256();

        var reply = keyChange(account, newKey, null);

        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        // The old key no longer finds the account, nor signs for it.
        var byOldKey = lookup(account.key());
        assertThat(byOldKey.status()).as("%s", byOldKey).isEqualTo(400);
        assertThat(byOldKey.problemType()).isEqualTo(AcmeHttp.ERROR + "accountDoesNotExist");
        var signedByOldKey = account.postAsGet(account.url());
        assertThat(signedByOldKey.status()).as("%s", signedByOldKey).isEqualTo(400);
        assertThat(signedByOldKey.problemType()).isEqualTo(AcmeHttp.ERROR + "malformed");
        // The new key does both.
        var byNewKey = lookup(newKey);
        assertThat(byNewKey.status()).as("%s", byNewKey).isEqualTo(200);
        assertThat(byNewKey.headers("Location")).containsExactly(account.url());
        var rolled = new AcmeHttp.Account(newKey, account.url());
        assertThat(rolled.postAsGet(account.url()).status()).isEqualTo(200);
        assertThat(rolled.post(AcmeHttp.NEW_ORDER, AcmeHttp.orderPayload("mx1.example.test"))
                .status()).isEqualTo(201);
    }

    @Test
    void newKeyMayBeOfAnotherType() {
        var account = AcmeHttp.register();
        var newKey = AccountKey.ed25519();

        var reply = keyChange(account, newKey, null);

        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        var rolled = new AcmeHttp.Account(newKey, account.url());
        assertThat(rolled.postAsGet(account.url()).status()).isEqualTo(200);
        // The old ES256 key cannot sign for an Ed25519 account.
        var signedByOldKey = account.postAsGet(account.url());
        assertThat(signedByOldKey.status()).as("%s", signedByOldKey).isEqualTo(400);
        assertThat(signedByOldKey.problemType())
                .isEqualTo(AcmeHttp.ERROR + "badSignatureAlgorithm");
    }

    @Test
    void keyOfAnotherAccountIsAConflictNamingIt() {
        var account = AcmeHttp.register();
        var other = AcmeHttp.register(AccountKey.es256());

        var reply = keyChange(account, other.key(), null);

        assertThat(reply.status()).as("%s", reply).isEqualTo(409);
        assertThat(reply.headers("Location")).containsExactly(other.url());
        assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
        // Nothing changed.
        assertThat(lookup(account.key()).headers("Location")).containsExactly(account.url());
    }

    @Test
    void innerJwsWithANonceIsMalformed() {
        var account = AcmeHttp.register();

        var reply = keyChange(account, AccountKey.es256(), AcmeHttp.nonce());

        assertThat(reply.status()).as("%s", reply).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "malformed");
        assertThat(lookup(account.key()).headers("Location")).containsExactly(account.url());
    }

    private static AcmeHttp.Reply keyChange(AcmeHttp.Account account, AccountKey newKey,
            String innerNonce) {
        var innerPayload = AcmeHttp.json(Map.of("account", account.url(),
                "oldKey", account.key().jwkParams()));
        var inner = newKey.sign(AcmeHttp.KEY_CHANGE, innerNonce, innerPayload, null);
        return account.post(AcmeHttp.KEY_CHANGE, inner);
    }

    private static AcmeHttp.Reply lookup(AccountKey key) {
        return AcmeHttp.post(AcmeHttp.NEW_ACCOUNT, key.signWithJwk(AcmeHttp.NEW_ACCOUNT,
                AcmeHttp.nonce(), "{\"onlyReturnExisting\":true}"));
    }
}
