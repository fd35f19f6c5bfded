package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.admin.AdminHttp;
import io.mailca.registration.RenewalInfo;
import io.mailca.registration.Role;
import io.mailca.registration.TokenService;
import io.mailca.store.Authorities;
import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/**
 * RFC 9773 §4.2: an operator moves the renewal window of every certificate of an issuing CA
 * (a key rollover), directly and through the admin API. It runs in the start of
 * {@link RateLimitsTest}, after every test of the default start, so that no test that reads a
 * default window sees the moved one.
 */
@QuarkusTest
@TestProfile(RateLimitsTest.LowLimits.class)
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class RenewalWindowRolloverTest {
    @Inject
    RenewalInfo renewalInfo;

    @Inject
    Authorities authorities;

    @Inject
    TokenService tokens;

    @Test
    void everyCertificateOfTheIssuerGetsTheNewWindow() {
        var leaf = Issuance.issue(AcmeHttp.register(), "mx9.authz.example.test").leaf();
        var issuer = QuarkusTransaction.requiringNew()
                .call(() -> authorities.activeIssuing().orElseThrow().id);
        var start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        var end = start.plus(Duration.ofDays(2));

        var moved = renewalInfo.moveWindowsOfIssuer(issuer, start, end, "test");

        assertThat(moved).isPositive();
        var window = AcmeHttp.get(AcmeHttp.BASE + "/renewal-info/"
                + RenewalInfoTest.certId(leaf)).json().get("suggestedWindow");
        assertThat(window.get("start").asText()).isEqualTo(start.toString());
        assertThat(window.get("end").asText()).isEqualTo(end.toString());

        // The same through the admin API, as an operator does it, with a later window.
        var operator = AdminHttp.token(tokens, Role.OPERATOR);
        var later = end.plus(Duration.ofHours(1));
        var laterEnd = later.plus(Duration.ofDays(1));
        var reply = AdminHttp.post("/authorities/" + issuer + "/renewal-window", operator,
                "{\"start\":\"" + later + "\",\"end\":\"" + laterEnd + "\"}");

        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        assertThat(reply.json().get("authority").asText()).isEqualTo(issuer);
        assertThat(reply.json().get("moved").asInt()).isEqualTo(moved);
        var moved2 = AcmeHttp.get(AcmeHttp.BASE + "/renewal-info/"
                + RenewalInfoTest.certId(leaf)).json().get("suggestedWindow");
        assertThat(moved2.get("start").asText()).isEqualTo(later.toString());
        assertThat(moved2.get("end").asText()).isEqualTo(laterEnd.toString());
    }
}
