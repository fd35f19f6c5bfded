package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.admin.AdminHttp;
import io.mailca.registration.Role;
import io.mailca.registration.TokenService;
import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * The admin API's DANE view: a freshly issued host is listed with its queued publication job
 * and, before any verification, is not called secure; a reconcile is counted and audited.
 * (In this package to reuse the ACME helpers that issue a certificate.)
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class DaneAdminTest {
    private static final String HOST = "mx-daneadmin.example.test";

    @Inject
    TokenService tokens;

    @Test
    void anIssuedHostShowsItsPendingJobAndIsNotCalledSecureUnverified() throws Exception {
        var viewer = AdminHttp.token(tokens, Role.VIEWER);
        Issuance.issue(AcmeHttp.register(), HOST);

        var hosts = AdminHttp.get("/dane/hosts", viewer);
        var host = AdminHttp.get("/dane/hosts/" + HOST, viewer);

        assertThat(hosts.status()).isEqualTo(200);
        assertThat(hosts.json().get("hosts").toString()).contains("\"" + HOST + "\"");
        assertThat(host.status()).isEqualTo(200);
        var view = host.json();
        assertThat(view.get("host").asText()).isEqualTo(HOST);
        // Nothing has verified the records yet: unverified TLSA is not secure.
        assertThat(view.get("secure").asBoolean()).isFalse();
        assertThat(view.get("desired")).isEmpty();
        var jobs = view.get("pendingJobs");
        assertThat(jobs).hasSize(1);
        assertThat(jobs.get(0).get("cause").asText()).isEqualTo("issued");
        assertThat(jobs.get(0).get("attempts").asInt()).isZero();
    }

    @Test
    void anUnknownHostIsANotFoundProblem() {
        var viewer = AdminHttp.token(tokens, Role.VIEWER);

        var reply = AdminHttp.get("/dane/hosts/www.nowhere.example.test", viewer);

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(reply.json().get("detail").asText())
                .isEqualTo("MailCA has certified no host named www.nowhere.example.test");
    }

    @Test
    void aReconcileIsCountedAndAudited() {
        var operator = AdminHttp.token(tokens, Role.OPERATOR);

        var reply = AdminHttp.post("/dane/reconcile", operator, "");

        assertThat(reply.status()).isEqualTo(200);
        var queued = reply.json().get("queued").asInt();
        // Newest first: the event of this reconcile.
        var audit = AdminHttp.get("/audit-events?action=dane.reconcile&limit=500", operator)
                .json().get("items");
        assertThat(audit).isNotEmpty();
        assertThat(audit.get(0).get("details").asText())
                .isEqualTo("queued=" + queued);
    }
}
