package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * MailCA as a client of a hostile mail host (RFC 8555 §8.3, §10.2): a validation against a
 * server that never answers runs on its own threads, ends at its time limit with a
 * {@code connection} problem, and other accounts are served quickly all the while.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class HostileServersTest {
    /** {@code %test.mailca.validation.http01-timeout} in application.properties. */
    private static final Duration HTTP01_LIMIT = Duration.ofSeconds(5);

    @Test
    void silentServerDoesNotStallOtherClients() {
        var applicant = AcmeHttp.register();
        var name = "mx-silent.example.test";
        var order = AcmeHttp.newOrder(applicant, name);
        var authzUrl = order.json().get("authorizations").get(0).asText();
        var challenge = AcmeHttp.challengeOf(applicant.postAsGet(authzUrl).json(), "http-01");
        var token = challenge.get("token").asText();
        Http01Responder.stall(token, HTTP01_LIMIT.multipliedBy(2));
        var started = System.nanoTime();
        assertThat(applicant.post(challenge.get("url").asText(), "{}").status()).isEqualTo(200);

        var other = AcmeHttp.register();
        for (var i = 0; i < 3; i++) {
            var round = System.nanoTime();
            AcmeHttp.nonce();
            AcmeHttp.newOrder(other, "mx-busy" + i + ".example.test");
            assertThat(since(round)).as("newNonce and newOrder while a validation hangs")
                    .isLessThan(Duration.ofSeconds(2));
        }
        var othersDone = since(started);

        var done = AcmeHttp.pollUntil(applicant, authzUrl, AcmeHttp.statusIsNot("pending"));
        var took = since(started);
        assertThat(done.json().get("status").asText()).isEqualTo("invalid");
        var error = AcmeHttp.challengeOf(done.json(), "http-01").get("error");
        assertThat(error.get("type").asText()).isEqualTo(AcmeHttp.ERROR + "connection");
        assertThat(error.get("detail").asText()).isEqualTo("Fetching http://" + name + ":"
                + AcmeTestServers.http01Port() + "/.well-known/acme-challenge/" + token
                + ": no complete answer within the time limit");
        assertThat(took).as("the validation waited for its limit, not less, not much more")
                .isGreaterThanOrEqualTo(HTTP01_LIMIT.minusMillis(500))
                .isLessThan(HTTP01_LIMIT.plusSeconds(6));
        assertThat(othersDone).as("the other account was served before the validation ended")
                .isLessThan(took);
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }
}
