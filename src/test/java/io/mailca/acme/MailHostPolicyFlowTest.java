package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.AcmeTestServers;
import io.mailca.testsupport.KnotServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The mail-host policy through the ACME front end (RFC 8555 §7.4): MX and SRV evidence and the
 * account's name scope at newOrder, CAA (RFC 8659, RFC 8657) after validation and again at
 * finalize, and the operator's decision endpoint, with records added to the real Knot server
 * MailCA resolves through.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class MailHostPolicyFlowTest {
    private static final String ZONE = KnotServer.EXAMPLE_TEST;
    private static final String CAA_PROBLEM = AcmeHttp.ERROR + "caa";

    @Inject
    DataSource dataSource;

    @Test
    void mxAndSrvRecordsMakeAMailHostAndTheirAbsenceIsTheReason() {
        var account = AcmeHttp.register();
        AcmeTestServers.knot().add(ZONE, "@ MX 10 inbound-flow",
                "_imaps._tcp SRV 0 1 993 store-flow");

        AcmeHttp.newOrder(account, "inbound-flow.example.test", "store-flow.example.test");
        var refused = account.post(AcmeHttp.NEW_ORDER,
                AcmeHttp.orderPayload("db1.example.test"));

        assertThat(refused.status()).as("%s", refused).isEqualTo(400);
        assertThat(refused.problemType()).isEqualTo(AcmeHttp.ERROR + "rejectedIdentifier");
        var subproblem = refused.json().get("subproblems").get(0);
        assertThat(subproblem.get("detail").asText()).isEqualTo("db1.example.test: no MX or SRV"
                + " record points to it and it matches no host pattern");
    }

    @Test
    void theAccountsScopeNarrowsTheGlobalRules() throws SQLException {
        var account = AcmeHttp.register();
        setScope(account, "mx-k8s-*.example.test");

        AcmeHttp.newOrder(account, "mx-k8s-a1.example.test");
        var refused = account.post(AcmeHttp.NEW_ORDER,
                AcmeHttp.orderPayload("mx-k8s-a1.example.test", "mx1.example.test"));

        assertThat(refused.status()).as("%s", refused).isEqualTo(400);
        var subproblems = refused.json().get("subproblems");
        assertThat(subproblems).hasSize(1);
        assertThat(subproblems.get(0).get("identifier").get("value").asText())
                .isEqualTo("mx1.example.test");
        assertThat(subproblems.get(0).get("detail").asText()).isEqualTo("mx1.example.test:"
                + " outside this account's name scope (mx-k8s-*.example.test)");
        assertThat(count("SELECT count(*) FROM audit_event WHERE action = 'order.refused'"
                + " AND actor = 'account:" + id(account) + "'")).isEqualTo(1);
    }

    @Test
    void caaNamingAnotherCaOnlyRefusesWithCaaAfterTheChallenge() {
        var account = AcmeHttp.register();
        // A name with records of its own no longer matches the zone's "* A": give it one.
        AcmeTestServers.knot().replace(ZONE, "mx-caa-deny A 127.0.0.1",
                "mx-caa-deny CAA 0 issue \"letsencrypt.org\"");
        var order = AcmeHttp.newOrder(account, "mx-caa-deny.example.test");
        var authzUrl = order.json().get("authorizations").get(0).asText();

        AcmeHttp.triggerHttp01(account, authzUrl);
        var done = AcmeHttp.pollUntil(account, authzUrl, AcmeHttp.statusIsNot("pending"));

        assertThat(done.json().get("status").asText()).as("%s", done).isEqualTo("invalid");
        var error = AcmeHttp.challengeOf(done.json(), "http-01").get("error");
        assertThat(error.get("type").asText()).isEqualTo(CAA_PROBLEM);
        assertThat(error.get("detail").asText()).isEqualTo("CAA record"
                + " mx-caa-deny.example.test. CAA 0 issue \"letsencrypt.org\" forbids MailCA to"
                + " certify mx-caa-deny.example.test: MailCA's name mailca.example.test must be"
                + " added, e.g. mx-caa-deny.example.test. CAA 0 issue \"mailca.example.test\""
                + " (RFC 8659 §4.2)");
        var orderNow = account.postAsGet(order.location()).json();
        assertThat(orderNow.get("status").asText()).isEqualTo("invalid");
        assertThat(orderNow.get("error").get("type").asText()).isEqualTo(CAA_PROBLEM);
    }

    @Test
    void caaThatPermitsMailcaOrNoCaaIsIssued() throws Exception {
        var account = AcmeHttp.register();
        AcmeTestServers.knot().replace(ZONE, "mx-caa-allow A 127.0.0.1",
                "mx-caa-allow CAA 0 issue \"letsencrypt.org\"",
                "mx-caa-allow CAA 0 issue \"mailca.example.test\"");
        AcmeTestServers.knot().replace(ZONE, "mx-caa-acct A 127.0.0.1",
                "mx-caa-acct CAA 0 issue \"mailca.example.test;"
                + " accounturi=" + account.url() + "\"");
        AcmeTestServers.knot().replace(ZONE, "mx-caa-http A 127.0.0.1",
                "mx-caa-http CAA 0 issue \"mailca.example.test;"
                + " validationmethods=http-01\"");

        for (var name : new String[] {"mx-caa-allow.example.test", "mx-caa-acct.example.test",
                "mx-caa-http.example.test", "mx-caa-none.example.test"}) {
            var issued = Issuance.issue(account, name);
            assertThat(issued.leaf().getSubjectAlternativeNames()).as(name)
                    .containsExactly(List.of(2, name));
        }
    }

    @Test
    void caaIsAskedAgainAtFinalizeWhenTheCheckIsOlderThanEightHours() throws SQLException {
        var account = AcmeHttp.register();
        var name = "mx-caa-late.example.test";
        var ready = AcmeHttp.readyOrder(account, name);
        AcmeTestServers.knot().replace(ZONE, "mx-caa-late CAA 0 issue \"letsencrypt.org\"");
        update("UPDATE authz SET caa_checked_at = caa_checked_at - INTERVAL '9' HOUR"
                + " WHERE identifier_value = '" + name + "'");

        var key = Issuance.certificateKey();
        var refused = account.post(ready.json().get("finalize").asText(),
                Issuance.finalizePayload(Issuance.csr(key, name)));

        assertThat(refused.status()).as("%s", refused).isEqualTo(403);
        assertThat(refused.problemType()).isEqualTo(CAA_PROBLEM);
        var subproblem = refused.json().get("subproblems").get(0);
        assertThat(subproblem.get("identifier").get("value").asText()).isEqualTo(name);
        assertThat(subproblem.get("detail").asText()).startsWith("CAA record"
                + " mx-caa-late.example.test. CAA 0 issue \"letsencrypt.org\" forbids MailCA");
        assertThat(account.postAsGet(ready.location()).json().get("status").asText())
                .isEqualTo("invalid");
    }

    @Test
    void aWildcardUnderAnEnabledPatternIsValidatedByDns01AndIssued() throws Exception {
        var account = AcmeHttp.register();
        var name = "*.mx-pool1.example.test";
        var order = AcmeHttp.newOrder(account, name);
        var authzUrl = order.json().get("authorizations").get(0).asText();
        var authz = account.postAsGet(authzUrl).json();

        // RFC 8555 §7.1.3: the authorization is for the base name, marked wildcard.
        assertThat(authz.get("identifier").get("value").asText())
                .isEqualTo("mx-pool1.example.test");
        assertThat(authz.get("wildcard").asBoolean()).isTrue();
        assertThat(authz.get("challenges")).hasSize(1);
        var challenge = AcmeHttp.challengeOf(authz, "dns-01");
        var keyAuthorization = challenge.get("token").asText() + "."
                + account.key().thumbprint();
        var digest = MessageDigest.getInstance("SHA-256")
                .digest(keyAuthorization.getBytes(StandardCharsets.US_ASCII));
        AcmeTestServers.knot().replace(ZONE, "_acme-challenge.mx-pool1 TXT \""
                + AccountKey.base64url(digest) + "\"");
        assertThat(account.post(challenge.get("url").asText(), "{}").status()).isEqualTo(200);
        var done = AcmeHttp.pollUntil(account, authzUrl, AcmeHttp.statusIsNot("pending"));
        assertThat(done.json().get("status").asText()).as("%s", done).isEqualTo("valid");

        var key = Issuance.certificateKey();
        var finalized = account.post(order.json().get("finalize").asText(),
                Issuance.finalizePayload(Issuance.csr(key, name)));
        assertThat(finalized.status()).as("%s", finalized).isEqualTo(200);
        var valid = AcmeHttp.pollUntil(account, order.location(),
                AcmeHttp.statusIsNot("processing"));
        var chain = account.postAsGet(valid.json().get("certificate").asText());
        var leaf = Issuance.parseChain(chain.body()).get(0);
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(2, name));
    }

    @Test
    void theDecisionEndpointExplainsWithoutCreatingAnything() throws SQLException {
        var account = AcmeHttp.register();
        setScope(account, "mx-k8s-*.example.test");
        var orders = count("SELECT count(*) FROM acme_order");

        var allowed = decision("name=MX1.example.test");
        var refused = decision("name=db1.example.test");
        var scoped = decision("name=mx1.example.test&account="
                + URLEncoder.encode(account.url(), StandardCharsets.UTF_8));

        assertThat(allowed.status()).isEqualTo(200);
        assertThat(allowed.json().toString()).isEqualTo("{\"type\":\"dns\",\"name\":"
                + "\"MX1.example.test\",\"account\":null,\"nameScope\":null,\"allowed\":true,"
                + "\"verdict\":\"allowed\",\"normalized\":\"mx1.example.test\",\"reason\":"
                + "\"mx1.example.test: matches host pattern mx*\"}");
        assertThat(refused.json().get("allowed").asBoolean()).isFalse();
        assertThat(refused.json().get("verdict").asText()).isEqualTo("rejected");
        assertThat(refused.json().get("reason").asText()).isEqualTo("db1.example.test: no MX"
                + " or SRV record points to it and it matches no host pattern");
        assertThat(scoped.json().get("account").asText()).isEqualTo(id(account));
        assertThat(scoped.json().get("nameScope").asText()).isEqualTo("mx-k8s-*.example.test");
        assertThat(scoped.json().get("reason").asText()).isEqualTo("mx1.example.test: outside"
                + " this account's name scope (mx-k8s-*.example.test)");
        assertThat(count("SELECT count(*) FROM acme_order")).isEqualTo(orders);
    }

    @Test
    void theDecisionEndpointAnswersBadInputWithAProblem() {
        var missing = decision("");
        var unknown = decision("name=mx1.example.test&account=nosuchaccount");

        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.headers("Content-Type")).containsExactly(
                "application/problem+json");
        assertThat(missing.json().toString()).isEqualTo("{\"type\":\"about:blank\",\"title\":"
                + "\"Bad Request\",\"status\":400,\"detail\":\"the query parameter 'name' is"
                + " required, e.g. ?name=mx1.example.com\"}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("detail").asText()).isEqualTo(
                "no account 'nosuchaccount'");
    }

    private static String viewerToken;

    /** The decision endpoint is admin API: HTTPS and a viewer token. */
    private static AcmeHttp.Reply decision(String query) {
        if (viewerToken == null) {
            viewerToken = io.mailca.admin.AdminHttp.token(io.quarkus.arc.Arc.container()
                    .instance(io.mailca.registration.TokenService.class).get(),
                    io.mailca.registration.Role.VIEWER);
        }
        var url = io.mailca.admin.AdminHttp.base() + "/policy/decisions?" + query;
        return AcmeHttp.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + viewerToken).GET().build());
    }

    private static String id(AcmeHttp.Account account) {
        return account.url().substring(account.url().lastIndexOf('/') + 1);
    }

    private void setScope(AcmeHttp.Account account, String scope) throws SQLException {
        update("UPDATE account SET name_scope = '" + scope + "' WHERE id = '" + id(account)
                + "'");
    }

    private void update(String sql) throws SQLException {
        try (var connection = dataSource.getConnection();
                var statement = connection.createStatement()) {
            assertThat(statement.executeUpdate(sql)).as(sql).isEqualTo(1);
        }
    }

    private long count(String sql) throws SQLException {
        try (var connection = dataSource.getConnection();
                var statement = connection.createStatement();
                var result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }
}
