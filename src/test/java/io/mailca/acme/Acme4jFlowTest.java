package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.RevocationReason;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.exception.AcmeServerException;

/**
 * The whole of RFC 8555 as a real client walks it: acme4j registers, orders mx1, answers
 * http-01, finalizes with its own CSR, downloads the chain and revokes.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class Acme4jFlowTest {
    private static final String NAME = "mx1.example.test";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void issuesVerifiesAndRevokes() throws Exception {
        var session = new Session(AcmeTestServers.directory());
        var accountKey = Issuance.certificateKey();
        var account = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey)
                .create(session);
        assertThat(account.getStatus()).isEqualTo(Status.VALID);

        var order = account.newOrder().domain(NAME).create();
        assertThat(order.getStatus()).isEqualTo(Status.PENDING);
        var authorization = order.getAuthorizations().get(0);
        assertThat(authorization.getIdentifier().getDomain()).isEqualTo(NAME);
        var challenge = authorization.findChallenge(Http01Challenge.class).orElseThrow();
        Http01Responder.serve(challenge.getToken(), challenge.getAuthorization());
        challenge.trigger();
        await(() -> {
            challenge.fetch();
            return challenge.getStatus() != Status.PENDING
                    && challenge.getStatus() != Status.PROCESSING;
        });
        assertThat(challenge.getStatus()).as("%s", challenge.getJSON()).isEqualTo(Status.VALID);
        order.fetch();
        assertThat(order.getStatus()).isEqualTo(Status.READY);

        var certificateKey = Issuance.certificateKey();
        order.execute(Issuance.csr(certificateKey, NAME));
        awaitDone(order);
        assertThat(order.getStatus()).isEqualTo(Status.VALID);
        var certificate = order.getCertificate();
        var chain = certificate.getCertificateChain();

        var leaf = chain.get(0);
        assertThat(leaf.getSubjectAlternativeNames()).as("dNSName SANs only")
                .containsExactly(List.of(2, NAME));
        assertThat(leaf.getPublicKey()).isEqualTo(certificateKey.getPublic());
        var intermediate = fetchCertificate("/ca/intermediate.pem");
        var root = fetchCertificate("/ca/root.pem");
        assertThat(chain).as("leaf, then the issuing CA, never the root")
                .containsExactly(leaf, intermediate);
        assertThat(leaf.getIssuerX500Principal())
                .isEqualTo(intermediate.getSubjectX500Principal());
        leaf.verify(intermediate.getPublicKey());
        verifiesTo(root, chain);

        certificate.revoke(RevocationReason.SUPERSEDED);
        try {
            certificate.revoke();
            throw new AssertionError("a second revocation succeeded");
        } catch (AcmeServerException e) {
            assertThat(e.getType().toString())
                    .isEqualTo("urn:ietf:params:acme:error:alreadyRevoked");
        }
    }

    @Test
    void findsTheAccountOfAKeyWithOnlyExisting() throws Exception {
        var session = new Session(AcmeTestServers.directory());
        var key = Issuance.certificateKey();
        var created = new AccountBuilder().agreeToTermsOfService().useKeyPair(key)
                .create(session);

        var found = new AccountBuilder().onlyExisting().useKeyPair(key).create(session);

        assertThat(found.getLocation()).isEqualTo(created.getLocation());
    }

    private static void verifiesTo(X509Certificate root, List<X509Certificate> chain)
            throws Exception {
        var path = CertificateFactory.getInstance("X.509").generateCertPath(chain);
        var parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(path, parameters);
    }

    private static X509Certificate fetchCertificate(String path) {
        var reply = AcmeHttp.get("http://localhost:" + AcmeTestServers.httpPort() + path);
        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        return Issuance.parseChain(reply.body()).get(0);
    }

    private static void awaitDone(Order order) throws Exception {
        await(() -> {
            order.fetch();
            return order.getStatus() != Status.PROCESSING;
        });
    }

    private static void await(Callable<Boolean> done) throws Exception {
        var deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!done.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + TIMEOUT);
            }
            Thread.sleep(50);
        }
    }
}
