package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.admin.AdminHttp;
import io.mailca.registration.Role;
import io.mailca.registration.TokenService;
import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The admin API's behaviour with exact values: a certificate issued over ACME found, shown and
 * revoked; pagination; bad input as 400 problems. (In this package to reuse the ACME helpers
 * that issue a certificate.)
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class AdminApiTest {
    @Inject
    TokenService tokens;

    @Test
    void aCertificateIsFoundShownAndRevokedWithEveryStepAudited() throws Exception {
        var viewer = AdminHttp.token(tokens, Role.VIEWER);
        var operator = AdminHttp.token(tokens, Role.OPERATOR);
        var account = AcmeHttp.register();
        var issued = Issuance.issue(account, "mx-admin.example.test");
        var serial = issued.leaf().getSerialNumber().toString(16);
        var fingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(issued.leaf().getEncoded()));

        var found = AdminHttp.get("/certificates?host=mx-admin.example.test", viewer);
        var shown = AdminHttp.get("/certificates/" + serial.toUpperCase(), viewer);

        assertThat(found.status()).as("%s", found).isEqualTo(200);
        assertThat(found.json().get("items")).hasSize(1);
        assertThat(found.json().at("/items/0/serial").asText()).isEqualTo(serial);
        assertThat(found.json().at("/items/0/pem").isNull()).isTrue();
        assertThat(shown.json().get("sha256Fingerprint").asText()).isEqualTo(fingerprint);
        assertThat(shown.json().get("status").asText()).isEqualTo("valid");
        assertThat(shown.json().get("pem").asText()).startsWith("-----BEGIN CERTIFICATE-----");

        var revoked = AdminHttp.post("/certificates/" + serial + "/revoke", operator,
                "{\"reason\":\"keyCompromise\"}");
        var again = AdminHttp.post("/certificates/" + serial + "/revoke", operator,
                "{\"reason\":\"keyCompromise\"}");

        assertThat(revoked.status()).as("%s", revoked).isEqualTo(200);
        assertThat(revoked.json().get("status").asText()).isEqualTo("revoked");
        assertThat(revoked.json().get("revocationReasonCode").asInt()).isEqualTo(1);
        assertThat(revoked.json().get("revocationReason").asText()).isEqualTo("keyCompromise");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("detail").asText()).isEqualTo(
                "the certificate with serial " + serial + " is already revoked");
        var audit = AdminHttp.get("/audit-events?action=certificate.revoked&limit=500", viewer)
                .json().get("items");
        var targets = new java.util.ArrayList<String>();
        audit.forEach(e -> targets.add(e.get("target").asText() + " " + e.get("actor").asText()));
        assertThat(targets).anySatisfy(t -> assertThat(t).startsWith("serial:" + serial
                + " token:"));
        var chain = AdminHttp.get("/audit-events/verify", viewer).json();
        assertThat(chain.get("intact").asBoolean()).as("%s", chain).isTrue();
    }

    @Test
    void pagesFollowTheLinkHeader() {
        var operator = AdminHttp.token(tokens, Role.OPERATOR);
        for (int i = 0; i < 3; i++) {
            assertThat(AdminHttp.post("/eab-keys", operator, "{\"label\":\"page\"}").status())
                    .isEqualTo(201);
        }

        var first = AdminHttp.get("/eab-keys?limit=2", operator);
        var next = first.json().get("next").asText();
        var second = AdminHttp.get(next, operator);

        assertThat(first.json().get("items")).hasSize(2);
        assertThat(first.header("Link")).isEqualTo("<" + next + ">; rel=\"next\"");
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.json().at("/items/0/kid").asText())
                .isNotIn(first.json().at("/items/0/kid").asText(),
                        first.json().at("/items/1/kid").asText());
        assertThat(first.json().at("/items/0/hmacKey").isMissingNode()).isTrue();
    }

    @Test
    void badInputIsA400Problem() {
        var admin = AdminHttp.token(tokens, Role.ADMIN);
        String[][] cases = {
            {"GET", "/accounts?limit=0", "limit must be a whole number from 1 to 500"},
            {"GET", "/accounts?cursor=zzz", "cursor is not one this server gave out; take it"
                    + " from the Link rel=\"next\" header of the previous page"},
            {"GET", "/certificates?expiringBefore=tomorrow", "expiringBefore must be an RFC 3339"
                    + " time such as 2026-12-31T00:00:00Z, or a date such as 2026-12-31"},
            {"GET", "/certificates?status=lost", "status must be one of expired, revoked, valid"},
            {"GET", "/certificates/xyz", "serial must be hexadecimal"},
            {"POST", "/eab-keys", "the request body is not valid JSON"},
            {"POST", "/tokens", "role must be one of viewer, operator, admin"},
        };
        for (var c : cases) {
            var reply = c[0].equals("GET") ? AdminHttp.get(c[1], admin)
                    : AdminHttp.post(c[1], admin, c[1].equals("/tokens")
                            ? "{\"role\":\"root\",\"name\":\"x\"}" : "{not json");

            assertThat(reply.status()).as("%s: %s", c[1], reply).isEqualTo(400);
            assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
            assertThat(reply.json().get("detail").asText()).as(c[1]).isEqualTo(c[2]);
        }
    }
}
