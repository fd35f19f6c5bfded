package io.mailca.acme;

import io.mailca.registration.AcmeProblem;
import io.mailca.registration.Nonces;
import io.mailca.registration.ProblemType;
import io.mailca.registration.RateLimited;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * Writes ACME problem documents (RFC 8555 §6.7, RFC 7807) with the headers every ACME error
 * carries: a fresh {@code Replay-Nonce}, so the client can retry at once, and the directory
 * link.
 */
@ApplicationScoped
public class ProblemResponses {
    static final String PROBLEM_JSON = "application/problem+json";

    private final Nonces nonces;
    private final AcmeUrls urls;

    ProblemResponses(Nonces nonces, AcmeUrls urls) {
        this.nonces = nonces;
        this.urls = urls;
    }

    public Response of(AcmeProblem problem) {
        var body = AcmeJson.object();
        body.put("type", problem.type().urn());
        body.put("detail", problem.detail());
        body.put("status", problem.status());
        if (problem.type() == ProblemType.BAD_SIGNATURE_ALGORITHM) {
            var algorithms = body.putArray("algorithms");
            JwsVerifier.ALGORITHMS.forEach(algorithms::add);
        }
        if (!problem.subproblems().isEmpty()) {
            var list = body.putArray("subproblems");
            for (var sub : problem.subproblems()) {
                var node = list.addObject();
                node.put("type", sub.type().urn());
                node.put("detail", sub.detail());
                var identifier = node.putObject("identifier");
                identifier.put("type", sub.identifier().type());
                identifier.put("value", sub.identifier().value());
            }
        }
        var response = Response.status(problem.status())
                .entity(AcmeJson.bytes(body))
                .header("Content-Type", PROBLEM_JSON)
                .header("Cache-Control", "no-store")
                .header("Link", "<" + urls.directory() + ">;rel=\"index\"")
                .header(AcmeHeaders.REPLAY_NONCE, freshNonce());
        if (problem instanceof RateLimited limited) {
            // RFC 8555 §6.6: when to retry, and where the limits are explained.
            response.header("Retry-After", String.valueOf(limited.retryAfterSeconds()));
            response.header("Link", "<" + limited.helpUrl() + ">;rel=\"help\"");
        }
        if (problem.location() != null) {
            response.header("Location", problem.location());
        }
        if (problem.type() == ProblemType.MALFORMED && problem.status() == 405) {
            response.header("Allow", "POST");
        }
        return response.build();
    }

    public Response of(ProblemType type, int status, String detail) {
        return of(new AcmeProblem(type, status, detail, List.of(), null));
    }

    private String freshNonce() {
        try {
            return nonces.issue();
        } catch (RuntimeException e) {
            // The error itself must still reach the client; it will ask newNonce.
            return null;
        }
    }
}
