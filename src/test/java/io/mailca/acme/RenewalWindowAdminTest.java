package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.admin.AdminHttp;
import io.mailca.registration.Role;
import io.mailca.registration.TokenService;
import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The admin API's renewal-window endpoints (RFC 9773 §4.2): an operator moves a certificate's
 * window and renewalInfo serves exactly that window; bad windows are 400 and unknown
 * certificates and authorities 404, as RFC 9457 problems. Moving a whole issuer's windows
 * would change the default windows other tests of this start read: that success case is in
 * {@link RenewalWindowRolloverTest}.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class RenewalWindowAdminTest {
    @Inject
    TokenService tokens;

    @Test
    void operatorMovesACertificatesWindowAndRenewalInfoServesIt() {
        var operator = AdminHttp.token(tokens, Role.OPERATOR);
        var leaf = Issuance.issue(AcmeHttp.register(), "smtp5.example.test").leaf();
        var serial = leaf.getSerialNumber().toString(16);
        var start = Instant.now().truncatedTo(ChronoUnit.SECONDS).plus(Duration.ofHours(3));
        var end = start.plus(Duration.ofHours(4));

        var reply = AdminHttp.post("/certificates/" + serial + "/renewal-window", operator,
                "{\"start\":\"" + start + "\",\"end\":\"" + end + "\"}");

        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        assertThat(reply.json().get("serial").asText()).isEqualTo(serial);
        assertThat(reply.json().get("start").asText()).isEqualTo(start.toString());
        assertThat(reply.json().get("end").asText()).isEqualTo(end.toString());
        var window = AcmeHttp.get(AcmeHttp.BASE + "/renewal-info/"
                + RenewalInfoTest.certId(leaf)).json().get("suggestedWindow");
        assertThat(window.get("start").asText()).isEqualTo(start.toString());
        assertThat(window.get("end").asText()).isEqualTo(end.toString());
        var audit = AdminHttp.get("/audit-events?action=renewal-window.moved", operator).json()
                .get("items");
        assertThat(audit.findValuesAsText("target")).contains("serial:" + serial);
    }

    @Test
    void badWindowsAre400AndUnknownTargetsAre404() {
        var operator = AdminHttp.token(tokens, Role.OPERATOR);
        var leaf = Issuance.issue(AcmeHttp.register(), "smtp6.example.test").leaf();
        var path = "/certificates/" + leaf.getSerialNumber().toString(16) + "/renewal-window";
        var certId = RenewalInfoTest.certId(leaf);
        var before = AcmeHttp.get(AcmeHttp.BASE + "/renewal-info/" + certId).json()
                .get("suggestedWindow");

        for (var body : List.of("", "[]", "not json", "{\"start\":\"2026-12-04T00:00:00Z\"}",
                "{\"start\":\"2026-12-04T00:00:00Z\",\"end\":\"2026-12-04T00:00:00Z\"}",
                "{\"start\":\"2026-12-05T00:00:00Z\",\"end\":\"2026-12-04T00:00:00Z\"}",
                "{\"start\":\"2026-12-04T00:00:00Z\",\"end\":\"2026-12-04T00:00:00.5Z\"}",
                "{\"start\":\"yesterday\",\"end\":\"2026-12-04T00:00:00Z\"}",
                "{\"start\":\"2026-12-04\",\"end\":\"2026-12-05\"}",
                "{\"start\":1,\"end\":2}")) {
            var reply = AdminHttp.post(path, operator, body);

            assertThat(reply.status()).as("%s: %s", body, reply).isEqualTo(400);
            assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(reply.json().get("status").asInt()).isEqualTo(400);
        }
        var window = "{\"start\":\"2026-12-04T00:00:00Z\",\"end\":\"2026-12-05T00:00:00Z\"}";
        for (var unknown : List.of("/certificates/1234567890abcdef1234/renewal-window",
                "/authorities/no-such-authority/renewal-window")) {
            var reply = AdminHttp.post(unknown, operator, window);

            assertThat(reply.status()).as("%s: %s", unknown, reply).isEqualTo(404);
            assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
        }
        var malformedSerial = AdminHttp.post("/certificates/xyz/renewal-window", operator,
                window);
        assertThat(malformedSerial.status()).as("%s", malformedSerial).isEqualTo(400);
        // Nothing refused moved the window.
        assertThat(AcmeHttp.get(AcmeHttp.BASE + "/renewal-info/" + certId).json()
                .get("suggestedWindow")).isEqualTo(before);
    }
}
