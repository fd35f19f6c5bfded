package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** RFC 8555 §7.2: newNonce, and §6.5: nonces are spent once, and errors hand out new ones. */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class NewNonceTest {

    @Test
    void headAnswers200WithANonceNoCacheKeeps() {
        var reply = AcmeHttp.head(AcmeHttp.NEW_NONCE);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Replay-Nonce")).matches("[A-Za-z0-9_-]+");
        assertThat(reply.header("Cache-Control")).isEqualTo("no-store");
    }

    @Test
    void getAnswers204WithANonceNoCacheKeeps() {
        var reply = AcmeHttp.get(AcmeHttp.NEW_NONCE);

        assertThat(reply.status()).isEqualTo(204);
        assertThat(reply.header("Replay-Nonce")).matches("[A-Za-z0-9_-]+");
        assertThat(reply.header("Cache-Control")).isEqualTo("no-store");
    }

    @Test
    void everyNonceIsNew() {
        assertThat(AcmeHttp.nonce()).isNotEqualTo(AcmeHttp.nonce());
    }

    @Test
    void replayedNonceIsBadNonceWithAFreshOneThatWorks() {
        var key = AccountKey.es256();
        var nonce = AcmeHttp.nonce();
        var first = AcmeHttp.post(AcmeHttp.NEW_ACCOUNT,
                key.signWithJwk(AcmeHttp.NEW_ACCOUNT, nonce, "{\"termsOfServiceAgreed\":true}"));
        assertThat(first.status()).as("%s", first).isEqualTo(201);

        var replay = AcmeHttp.post(AcmeHttp.NEW_ACCOUNT,
                key.signWithJwk(AcmeHttp.NEW_ACCOUNT, nonce, "{}"));

        assertThat(replay.status()).as("%s", replay).isEqualTo(400);
        assertThat(replay.problemType()).isEqualTo(AcmeHttp.ERROR + "badNonce");
        var fresh = replay.header("Replay-Nonce");
        assertThat(fresh).isNotBlank().isNotEqualTo(nonce);

        var retry = AcmeHttp.post(AcmeHttp.NEW_ACCOUNT,
                key.signWithJwk(AcmeHttp.NEW_ACCOUNT, fresh, "{}"));
        assertThat(retry.status()).as("%s", retry).isEqualTo(200);
        assertThat(retry.location()).isEqualTo(first.location());
    }

    @Test
    void unknownNonceIsBadNonce() {
        var key = AccountKey.es256();

        var reply = AcmeHttp.post(AcmeHttp.NEW_ACCOUNT,
                key.signWithJwk(AcmeHttp.NEW_ACCOUNT, "bm90LWEtbm9uY2U", "{}"));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "badNonce");
    }

    @Test
    void missingNonceIsBadNonce() {
        var key = AccountKey.es256();

        var reply = AcmeHttp.post(AcmeHttp.NEW_ACCOUNT,
                key.signWithJwk(AcmeHttp.NEW_ACCOUNT, null, "{}"));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "badNonce");
    }
}
