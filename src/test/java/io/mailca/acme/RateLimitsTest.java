package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rate limits (RFC 8555 §6.6) and pre-authorization (§7.4.1), in a start of their own with
 * low limits and newAuthz on. Each test names hosts under a mail domain of its own (listed in
 * {@code mailca.domains} here), so the per-domain budget one test spends is not another's;
 * the suite's other certificates all lie directly under example.test.
 */
@QuarkusTest
@TestProfile(RateLimitsTest.LowLimits.class)
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class RateLimitsTest {
    private static final int ORDERS_PER_HOUR = 3;
    private static final int CERTIFICATES_PER_WEEK = 2;

    /** Low limits and pre-authorization on. */
    public static class LowLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "mailca.domains", "example.test,limits.example.test,orders.example.test,"
                            + "authz.example.test",
                    "mailca.acme.pre-authorization", "true",
                    "mailca.rate-limits.orders-per-account.limit",
                    String.valueOf(ORDERS_PER_HOUR),
                    "mailca.rate-limits.orders-per-account.window", "PT1H",
                    "mailca.rate-limits.certificates-per-domain.limit",
                    String.valueOf(CERTIFICATES_PER_WEEK),
                    "mailca.rate-limits.certificates-per-domain.window", "P7D");
        }
    }

    @Test
    void ordersPerAccountAreLimitedAndOtherAccountsAreNot() {
        var account = AcmeHttp.register();
        var started = System.nanoTime();
        for (int i = 0; i < ORDERS_PER_HOUR; i++) {
            AcmeHttp.newOrder(account, "mx1.orders.example.test");
        }

        var refused = account.post(AcmeHttp.NEW_ORDER,
                AcmeHttp.orderPayload("mx1.orders.example.test"));
        var elapsed = (System.nanoTime() - started) / 1_000_000_000 + 1;
        var other = AcmeHttp.register().post(AcmeHttp.NEW_ORDER,
                AcmeHttp.orderPayload("mx1.orders.example.test"));

        assertThat(refused.status()).as("%s", refused).isEqualTo(429);
        assertThat(refused.problemType()).isEqualTo(AcmeHttp.ERROR + "rateLimited");
        assertThat(refused.json().get("status").asInt()).isEqualTo(429);
        assertThat(Long.parseLong(refused.header("Retry-After")))
                .isBetween(3600 - elapsed, 3600L);
        assertThat(refused.json().get("detail").asText()).startsWith("rate limit"
                + " orders-per-account reached: at most 3 new orders of this account per"
                + " hour; retry after ");
        assertThat(refused.headers("Link")).contains("<http://localhost:"
                + AcmeTestServers.httpPort() + "/rate-limits>;rel=\"help\"");
        assertThat(other.status()).as("%s", other).isEqualTo(201);
    }

    @Test
    void certificatesPerMailDomainAreLimitedAcrossAccounts() {
        var started = System.nanoTime();
        for (int i = 0; i < CERTIFICATES_PER_WEEK; i++) {
            Issuance.issue(AcmeHttp.register(), "mx1.limits.example.test");
        }

        var refused = AcmeHttp.register().post(AcmeHttp.NEW_ORDER,
                AcmeHttp.orderPayload("mx2.limits.example.test"));
        var elapsed = (System.nanoTime() - started) / 1_000_000_000 + 1;
        var otherDomain = AcmeHttp.register().post(AcmeHttp.NEW_ORDER,
                AcmeHttp.orderPayload("mx2.orders.example.test"));

        assertThat(refused.status()).as("%s", refused).isEqualTo(429);
        assertThat(refused.problemType()).isEqualTo(AcmeHttp.ERROR + "rateLimited");
        assertThat(refused.json().get("detail").asText()).startsWith("rate limit"
                + " certificates-per-domain reached: at most 2 certificates for names under"
                + " limits.example.test per 7 days; retry after ");
        assertThat(Long.parseLong(refused.header("Retry-After")))
                .isBetween(7 * 86400 - elapsed, 7 * 86400L);
        assertThat(refused.headers("Link")).contains("<http://localhost:"
                + AcmeTestServers.httpPort() + "/rate-limits>;rel=\"help\"");
        assertThat(otherDomain.status()).as("%s", otherDomain).isEqualTo(201);
    }

    @Test
    void helpPageListsTheLimitsInForce() {
        var page = AcmeHttp.get("http://localhost:" + AcmeTestServers.httpPort()
                + "/rate-limits");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("- orders-per-account: 3 per hour\n",
                "- certificates-per-domain: 2 per 7 days\n");
    }

    @Test
    void newAuthzCreatesAnAuthorizationThatAnOrderReuses() {
        var account = AcmeHttp.register();
        var directory = AcmeHttp.get(AcmeHttp.DIRECTORY).json();
        var payload = "{\"identifier\":{\"type\":\"dns\",\"value\":\"MX1.authz.example.test\"}}";

        var created = account.post(AcmeHttp.BASE + "/new-authz", payload);
        var again = account.post(AcmeHttp.BASE + "/new-authz", payload);
        var order = AcmeHttp.newOrder(account, "mx1.authz.example.test");

        assertThat(directory.get("newAuthz").asText()).isEqualTo(AcmeHttp.BASE + "/new-authz");
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        var authz = created.json();
        assertThat(authz.get("status").asText()).isEqualTo("pending");
        assertThat(authz.get("identifier").get("value").asText())
                .isEqualTo("mx1.authz.example.test");
        assertThat(authz.get("challenges")).extracting(c -> c.get("type").asText())
                .contains("http-01", "dns-01");
        assertThat(again.status()).as("%s", again).isEqualTo(200);
        assertThat(again.location()).isEqualTo(created.location());
        assertThat(order.json().get("authorizations").get(0).asText())
                .isEqualTo(created.location());
    }

    @Test
    void newAuthzIsPolicyChecked() {
        var account = AcmeHttp.register();

        var refused = account.post(AcmeHttp.BASE + "/new-authz",
                "{\"identifier\":{\"type\":\"dns\",\"value\":\"www.authz.example.test\"}}");
        var noIdentifier = account.post(AcmeHttp.BASE + "/new-authz", "{}");
        var wildcard = account.post(AcmeHttp.BASE + "/new-authz", "{\"identifier\":"
                + "{\"type\":\"dns\",\"value\":\"*.mx-pool1.authz.example.test\"}}");

        assertThat(refused.status()).as("%s", refused).isEqualTo(400);
        assertThat(refused.problemType()).isEqualTo(AcmeHttp.ERROR + "rejectedIdentifier");
        assertThat(noIdentifier.status()).as("%s", noIdentifier).isEqualTo(400);
        assertThat(noIdentifier.problemType()).isEqualTo(AcmeHttp.ERROR + "malformed");
        assertThat(wildcard.status()).as("%s", wildcard).isEqualTo(400);
        assertThat(wildcard.json().get("detail").asText()).isEqualTo("a wildcard name cannot"
                + " be pre-authorized (RFC 8555 §7.4.1); place an order for it");
    }
}
