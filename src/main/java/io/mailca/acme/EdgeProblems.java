package io.mailca.acme;

import io.mailca.registration.Nonces;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Problem documents for requests the HTTP layer refuses before any resource sees them: a body
 * over the size limit, a malformed request. Without this, Vert.x would answer with an empty or
 * HTML body, which no ACME client can read.
 */
@ApplicationScoped
public class EdgeProblems {
    private static final Logger LOG = Logger.getLogger(EdgeProblems.class);

    private final Nonces nonces;

    EdgeProblems(Nonces nonces) {
        this.nonces = nonces;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::handle);
    }

    private void handle(RoutingContext context) {
        var status = context.statusCode();
        if (context.response().ended() || context.response().headWritten()
                || status < 400 || status >= 500) {
            context.next();
            return;
        }
        var acme = context.normalizedPath().startsWith(AcmeUrls.ROOT + "/");
        var detail = switch (status) {
            case 413 -> "the request body is larger than the server accepts";
            case 414 -> "the request URI is too long";
            case 431 -> "the request headers are too large";
            case 405 -> "method not allowed";
            default -> "the request could not be read";
        };
        var body = AcmeJson.object();
        body.put("type", acme ? "urn:ietf:params:acme:error:malformed" : "about:blank");
        body.put("title", context.response().getStatusMessage());
        body.put("detail", detail);
        body.put("status", status);
        var response = context.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, ProblemResponses.PROBLEM_JSON)
                .putHeader("Cache-Control", "no-store");
        if (acme) {
            // Issuing a nonce touches the database: not on the event loop.
            context.vertx().executeBlocking(() -> nonces.issue(), false).onComplete(nonce -> {
                if (nonce.succeeded()) {
                    response.putHeader(AcmeHeaders.REPLAY_NONCE, nonce.result());
                } else {
                    LOG.debug("no nonce for an edge problem", nonce.cause());
                }
                response.end(AcmeJson.text(body));
            });
        } else {
            response.end(AcmeJson.text(body));
        }
    }
}
