package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Certificate profiles (draft-aaron-acme-profiles): offered in {@code meta.profiles}, chosen
 * with {@code profile} in newOrder, honoured by issuance. Also: no newAuthz by default.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class ProfilesTest {

    @Test
    void directoryOffersTheConfiguredProfilesByName() {
        var profiles = AcmeHttp.get(AcmeHttp.DIRECTORY).json().get("meta").get("profiles");

        assertThat(profiles.isObject()).as("%s", profiles).isTrue();
        assertThat(profiles).allMatch(JsonNode::isTextual);
        assertThat(AcmeHttp.JSON.convertValue(profiles, Map.class)).isEqualTo(Map.of(
                "default", "Mail server certificate, valid 90 days",
                "shortlived", "Short-lived mail server certificate, valid 7 days"));
    }

    @Test
    void shortlivedProfileIssuesSevenDayCertificates() {
        var account = AcmeHttp.register();

        var issued = OrderFlows.issue(account, Map.of("profile", "shortlived"),
                "mx1.example.test");

        var leaf = issued.leaf();
        assertThat(Duration.between(leaf.getNotBefore().toInstant(),
                leaf.getNotAfter().toInstant())).isEqualTo(Duration.ofDays(7));
        assertThat(account.postAsGet(issued.orderUrl()).json().get("profile").asText())
                .isEqualTo("shortlived");
    }

    @Test
    void orderWithoutProfileGetsTheDefaultOfNinetyDays() {
        var account = AcmeHttp.register();

        var issued = Issuance.issue(account, "mx2.example.test");

        var leaf = issued.leaf();
        assertThat(Duration.between(leaf.getNotBefore().toInstant(),
                leaf.getNotAfter().toInstant())).isEqualTo(Duration.ofDays(90));
        assertThat(account.postAsGet(issued.orderUrl()).json().get("profile").asText())
                .isEqualTo("default");
    }

    @Test
    void unknownProfileIsInvalidProfile() {
        var account = AcmeHttp.register();

        var reply = account.post(AcmeHttp.NEW_ORDER, OrderFlows.payload(
                Map.of("profile", "longlived"), "mx1.example.test"));

        assertThat(reply.status()).as("%s", reply).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "invalidProfile");
        assertThat(reply.json().get("detail").asText()).isEqualTo("no profile named"
                + " 'longlived'; this server offers default, shortlived (see meta.profiles"
                + " in the directory)");
    }

    @Test
    void profileThatIsNotAStringIsMalformed() {
        var account = AcmeHttp.register();

        var reply = account.post(AcmeHttp.NEW_ORDER, OrderFlows.payload(
                Map.of("profile", List.of("shortlived")), "mx1.example.test"));

        assertThat(reply.status()).as("%s", reply).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "malformed");
    }

    @Test
    void newAuthzIsNotOfferedByDefault() {
        var account = AcmeHttp.register();
        var directory = AcmeHttp.get(AcmeHttp.DIRECTORY).json();

        var reply = account.post(AcmeHttp.BASE + "/new-authz",
                "{\"identifier\":{\"type\":\"dns\",\"value\":\"mx1.example.test\"}}");

        assertThat(directory.has("newAuthz")).as("%s", directory).isFalse();
        assertThat(reply.status()).as("%s", reply).isEqualTo(404);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "malformed");
    }
}
