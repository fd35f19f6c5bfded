package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 8555 §7.4 (finalize and its CSR checks), §7.4.2 (download) and §7.6 (revocation). */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class FinalizeAndRevokeTest {

    @Test
    void csrNamingAnExtraNameIsBadCsr() {
        var account = AcmeHttp.register();
        var order = AcmeHttp.readyOrder(account, "mx1.example.test").json();

        var reply = account.post(order.get("finalize").asText(), Issuance.finalizePayload(
                Issuance.csr(Issuance.certificateKey(), "mx1.example.test",
                        "mx2.example.test")));

        assertThat(reply.status()).as("%s", reply).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "badCSR");
    }

    @Test
    void csrWithTheAccountKeyIsBadCsr() {
        var account = AcmeHttp.register();
        var order = AcmeHttp.readyOrder(account, "mx1.example.test").json();

        var reply = account.post(order.get("finalize").asText(), Issuance.finalizePayload(
                Issuance.csr(account.key().pair(), "mx1.example.test")));

        assertThat(reply.status()).as("%s", reply).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "badCSR");
    }

    @Test
    void finalizingAValidOrderAgainIsOrderNotReady() {
        var account = AcmeHttp.register();
        var issued = Issuance.issue(account, "smtp2.example.test");
        var order = account.postAsGet(issued.orderUrl()).json();

        var reply = account.post(order.get("finalize").asText(), Issuance.finalizePayload(
                Issuance.csr(Issuance.certificateKey(), "smtp2.example.test")));

        assertThat(reply.status()).as("%s", reply).isEqualTo(403);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "orderNotReady");
        assertThat(account.postAsGet(issued.orderUrl()).json().get("certificate").asText())
                .isEqualTo(order.get("certificate").asText());
    }

    @Test
    void chainIsServedAsPemCertificateChain() {
        var account = AcmeHttp.register();
        var issued = Issuance.issue(account, "imap1.example.test");
        var certUrl = account.postAsGet(issued.orderUrl()).json().get("certificate").asText();

        var reply = account.postAsGet(certUrl);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).isEqualTo("application/pem-certificate-chain");
        assertThat(Issuance.parseChain(reply.body())).hasSize(2);
    }

    @Test
    void reasonCodeSevenIsBadRevocationReason() {
        var account = AcmeHttp.register();
        var issued = Issuance.issue(account, "mx1.example.test");

        var reply = account.post(AcmeHttp.REVOKE_CERT, revocation(issued, 7));

        assertThat(reply.status()).as("%s", reply).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "badRevocationReason");
    }

    @Test
    void secondRevocationIsAlreadyRevoked() {
        var account = AcmeHttp.register();
        var issued = Issuance.issue(account, "mx1.example.test");

        var first = account.post(AcmeHttp.REVOKE_CERT, revocation(issued, 1));
        var second = account.post(AcmeHttp.REVOKE_CERT, revocation(issued, 1));

        assertThat(first.status()).as("%s", first).isEqualTo(200);
        assertThat(first.header("Replay-Nonce")).isNotBlank();
        assertThat(second.status()).as("%s", second).isEqualTo(400);
        assertThat(second.problemType()).isEqualTo(AcmeHttp.ERROR + "alreadyRevoked");
    }

    @Test
    void certificateKeyMayRevokeWithAJwk() {
        var account = AcmeHttp.register();
        var issued = Issuance.issue(account, "pop1.example.test");
        var certificateKey = AccountKey.of(issued.key(), "ES256");

        var reply = AcmeHttp.post(AcmeHttp.REVOKE_CERT, certificateKey.signWithJwk(
                AcmeHttp.REVOKE_CERT, AcmeHttp.nonce(), revocation(issued, null)));

        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        var again = account.post(AcmeHttp.REVOKE_CERT, revocation(issued, null));
        assertThat(again.problemType()).isEqualTo(AcmeHttp.ERROR + "alreadyRevoked");
    }

    @Test
    void unrelatedAccountMayNotRevoke() {
        var account = AcmeHttp.register();
        var issued = Issuance.issue(account, "mx1.example.test");
        var stranger = AcmeHttp.register();

        var reply = stranger.post(AcmeHttp.REVOKE_CERT, revocation(issued, null));

        assertThat(reply.status()).as("%s", reply).isEqualTo(403);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "unauthorized");
    }

    private static String revocation(Issuance.Issued issued, Integer reason) {
        var payload = new HashMap<String, Object>(Map.of("certificate",
                AccountKey.base64url(issued.der())));
        if (reason != null) {
            payload.put("reason", reason);
        }
        return AcmeHttp.json(payload);
    }
}
