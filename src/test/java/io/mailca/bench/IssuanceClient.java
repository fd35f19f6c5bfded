package io.mailca.bench;

import java.net.URI;
import java.security.KeyPair;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.shredzone.acme4j.util.KeyPairUtils;

/**
 * One benchmark client: an acme4j session with an account of its own, doing full issuance
 * flows (RFC 8555 §7.4): newOrder for a fresh mail host name, so that every flow needs a real
 * http-01 validation (§8.3) rather than reusing an authorization; answer the challenge; poll
 * the authorization and the order; finalize with a fresh key and CSR; download the chain and
 * check it.
 *
 * <p>Polling starts after 5 ms and doubles up to 100 ms, rather than honouring the server's
 * {@code Retry-After: 1}: the figures are the server's capacity, not a client's patience.
 */
final class IssuanceClient {
    /** A flow that has not ended by then counts as hung. */
    static final Duration FLOW_TIMEOUT = Duration.ofSeconds(60);
    private static final String ACME_ERROR = "urn:ietf:params:acme:error:";

    static {
        // acme4j's key and CSR helpers ask for the BC provider by name.
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
    }

    private final Login login;
    private final Http01Answers answers;
    private final String namePrefix;
    private final String domain;
    private int flows;

    private IssuanceClient(Login login, Http01Answers answers, String namePrefix,
            String domain) {
        this.login = login;
        this.answers = answers;
        this.namePrefix = namePrefix;
        this.domain = domain;
    }

    /**
     * Registers an account (RFC 8555 §7.3). Names this client orders are
     * {@code PREFIX-N.DOMAIN}, so the prefix must begin like a host pattern ({@code mx*}).
     */
    static IssuanceClient register(URI directory, Http01Answers answers, String namePrefix,
            String domain) throws AcmeException {
        var login = new AccountBuilder().agreeToTermsOfService()
                .useKeyPair(KeyPairUtils.createECKeyPair("secp256r1"))
                .createLogin(new Session(directory));
        return new IssuanceClient(login, answers, namePrefix, domain);
    }

    /** Why a flow did not end with a good certificate. */
    static final class FlowFailed extends Exception {
        private static final long serialVersionUID = 1L;

        FlowFailed(String reason) {
            super(reason, null, false, false);
        }
    }

    /** One full flow; returns normally only with a downloaded, checked chain. */
    void issueOne() throws FlowFailed, InterruptedException {
        var name = namePrefix + "-" + ++flows + "." + domain;
        var deadline = System.nanoTime() + FLOW_TIMEOUT.toNanos();
        String token = null;
        try {
            var order = login.getAccount().newOrder().domain(name).create();
            var authorization = order.getAuthorizations().get(0);
            var challenge = authorization.findChallenge(Http01Challenge.class)
                    .orElseThrow(() -> new FlowFailed("no http-01 challenge offered"));
            token = challenge.getToken();
            answers.answer(token, challenge.getAuthorization());
            challenge.trigger();

            var authzStatus = poll(deadline, "authorization", () -> {
                authorization.fetch();
                return authorization.getStatus();
            }, Status.PENDING);
            if (authzStatus != Status.VALID) {
                challenge.fetch();
                throw new FlowFailed("authorization " + authzStatus + ": "
                        + problemOf(challenge.getError()));
            }

            var orderStatus = poll(deadline, "order", () -> {
                order.fetch();
                return order.getStatus();
            }, Status.PENDING);
            if (orderStatus != Status.READY) {
                throw new FlowFailed("order " + orderStatus + " after validation: "
                        + problemOf(order.getError()));
            }

            var certificateKey = KeyPairUtils.createECKeyPair("secp256r1");
            order.execute(certificateKey);
            orderStatus = poll(deadline, "order", () -> {
                order.fetch();
                return order.getStatus();
            }, Status.PROCESSING, Status.READY);
            if (orderStatus != Status.VALID) {
                throw new FlowFailed("order " + orderStatus + " after finalize: "
                        + problemOf(order.getError()));
            }
            check(order.getCertificate().getCertificateChain(), name, certificateKey);
        } catch (AcmeServerException e) {
            throw new FlowFailed(shortType(e.getType().toString()));
        } catch (AcmeNetworkException e) {
            var cause = e.getCause() == null ? e : e.getCause();
            throw new FlowFailed("network: " + cause.getClass().getSimpleName());
        } catch (AcmeException e) {
            throw new FlowFailed("client: " + e.getClass().getSimpleName() + ": "
                    + firstLine(e.getMessage()));
        } finally {
            if (token != null) {
                answers.forget(token);
            }
        }
    }

    /** What the chain must be: a leaf for exactly {@code name} and the key, then its issuer. */
    private static void check(List<X509Certificate> chain, String name, KeyPair key)
            throws FlowFailed {
        if (chain.size() != 2) {
            throw new FlowFailed("chain of " + chain.size() + " certificates, not leaf and"
                    + " intermediate");
        }
        var leaf = chain.get(0);
        try {
            leaf.verify(chain.get(1).getPublicKey());
            var sans = leaf.getSubjectAlternativeNames();
            if (!Arrays.equals(leaf.getPublicKey().getEncoded(), key.getPublic().getEncoded())) {
                throw new FlowFailed("leaf does not carry the CSR's key");
            }
            if (sans == null || !List.copyOf(sans).equals(List.of(List.of(2, name)))) {
                throw new FlowFailed("leaf does not name exactly " + name + ": " + sans);
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new FlowFailed("leaf not signed by the chain's intermediate");
        }
    }

    private interface StatusCall {
        Status call() throws AcmeException;
    }

    private static Status poll(long deadline, String what, StatusCall fetch, Status... waiting)
            throws AcmeException, FlowFailed, InterruptedException {
        var pause = 5L;
        while (true) {
            var status = fetch.call();
            if (!List.of(waiting).contains(status)) {
                return status;
            }
            if (System.nanoTime() > deadline) {
                throw new FlowFailed("hung: " + what + " still " + status + " after "
                        + FLOW_TIMEOUT.toSeconds() + " s");
            }
            Thread.sleep(pause);
            pause = Math.min(100, pause * 2);
        }
    }

    private static String problemOf(Optional<Problem> problem) {
        return problem.map(p -> shortType(p.getType().toString())).orElse("no error given");
    }

    private static String shortType(String type) {
        return type.startsWith(ACME_ERROR) ? type.substring(ACME_ERROR.length()) : type;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        var line = message.lines().findFirst().orElse("");
        return line.length() > 100 ? line.substring(0, 100) + "..." : line;
    }
}
