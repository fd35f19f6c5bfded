package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.registration.RenewalInfo;
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
 * (a key rollover). It runs in the start of {@link RateLimitsTest}, after every test of the
 * default start, so that no test that reads a default window sees the moved one.
 */
@QuarkusTest
@TestProfile(RateLimitsTest.LowLimits.class)
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class RenewalWindowRolloverTest {
    @Inject
    RenewalInfo renewalInfo;

    @Inject
    Authorities authorities;

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
    }
}
