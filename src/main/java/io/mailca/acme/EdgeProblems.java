package io.mailca.acme;

import io.mailca.registration.Nonces;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Problem documents for requests the HTTP layer refuses before any resource sees them: a body
 * over the size limit, a request Vert.x cannot decode (through {@link InvalidRequestHook}), a
 * status a route failed with. Without this, Vert.x would answer with an empty or HTML body,
 * which no ACME client can read. Under {@code /acme} the problem is an RFC 8555 §6.7
 * {@code malformed} with a fresh {@code Replay-Nonce} (§6.5); elsewhere, as for the admin API,
 * an RFC 9457 {@code about:blank}.
 */
@ApplicationScoped
public class EdgeProblems {
    private static final Logger LOG = Logger.getLogger(EdgeProblems.class);
    private static final Logger ACCESS = Logger.getLogger("io.mailca.access");
    private static final String MALFORMED = "urn:ietf:params:acme:error:malformed";

    /** Just before Quarkus's own body limit (RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT, -2). */
    private static final int BEFORE_UPLOAD_LIMIT = -3;

    private final Nonces nonces;
    private final AcmeUrls urls;
    private final Vertx vertx;
    private final long maxBodySize;

    EdgeProblems(Nonces nonces, AcmeUrls urls, Vertx vertx,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> max) {
        this.nonces = nonces;
        this.urls = urls;
        this.vertx = vertx;
        this.maxBodySize = max.map(MemorySize::asLongValue).orElse(Long.MAX_VALUE);
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::handle);
        router.route().order(BEFORE_UPLOAD_LIMIT).handler(this::limitBody);
        InvalidRequestHook.answerWith(this::refuseUndecodable);
    }

    /**
     * A request Vert.x could not decode (RFC 9112), or whose target Quarkus would refuse: 414
     * for a request line over the limit, 431 for a header block over it, 400 for anything
     * else. The connection closes after the answer: with the framing broken, nothing after it
     * on the stream can be trusted.
     */
    private void refuseUndecodable(HttpServerRequest request) {
        var decoded = request.decoderResult();
        var cause = decoded.isFailure() ? decoded.cause() : null;
        var status = cause instanceof TooLongHttpLineException ? 414
                : cause instanceof TooLongHttpHeaderException ? 431 : 400;
        // Netty stands in "GET /bad-request HTTP/1.0" when it could not read the request line.
        var lineUnread = decoded.isFailure() && request.method() == HttpMethod.GET
                && request.version() == HttpVersion.HTTP_1_0
                && "/bad-request".equals(request.uri());
        var path = lineUnread ? null : request.path();
        // Without a path, assume an ACME client on the TLS listener (ACME's malformed is a valid
        // RFC 9457 type for the admin API's clients too); the plain listener serves no ACME.
        var acme = path == null ? request.isSSL() : isAcme(path);
        ACCESS.infof("%s %s %d %s problem=%s", path == null ? "-" : request.method().name(),
                path == null ? "-" : path, status,
                cause == null ? "request target refused" : "undecodable request ("
                        + cause.getClass().getSimpleName() + ")", acme ? "malformed" : "-");
        problem(request.response(), acme ? MALFORMED : "about:blank", status, acme, true);
    }

    /**
     * Quarkus answers a declared Content-Length over the limit with an empty 413; this answers
     * first, with a problem document. The connection closes, as the body is left unread. A
     * chunked body (RFC 9112 §7.1) declares no length: it is read here, up to the limit.
     */
    private void limitBody(RoutingContext context) {
        var request = context.request();
        var length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        long declared;
        try {
            declared = length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            declared = -1;
        }
        if (declared > maxBodySize) {
            problem(context, 413, true);
        } else if (length == null && request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
                && !request.isEnded()) {
            readChunked(context);
        } else {
            context.next();
        }
    }

    /**
     * Reads a chunked body so that one over the limit, or with broken chunks, still gets a
     * problem document; the resources then find it in the routing context.
     */
    private void readChunked(RoutingContext context) {
        var request = context.request();
        var body = Buffer.buffer();
        // Settled once the body is refused or complete; a failure after that is not ours.
        var settled = new AtomicBoolean();
        request.handler(chunk -> {
            if (settled.get()) {
                return;
            }
            if (body.length() + (long) chunk.length() > maxBodySize) {
                settled.set(true);
                problem(context, 413, true);
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(failure -> {
            // A chunk Vert.x cannot decode: it closes the connection as soon as this returns,
            // so the answer is written now, without the nonce that would need the database.
            if (settled.getAndSet(true) || context.response().headWritten()) {
                return;
            }
            LOG.debugf("chunked body refused: %s", failure.getClass().getSimpleName());
            var acme = isAcme(context.normalizedPath());
            problem(context.response(), acme ? MALFORMED : "about:blank", 400, false, true);
            // Vert.x holds writes back until the read in progress ends, and the close comes
            // first: push the answer out now. Without Vert.x's connection type (internal), the
            // connection just closes, as it did before.
            if (request.connection() instanceof ConnectionBase connection) {
                connection.flush();
            }
        });
        request.endHandler(ended -> {
            if (!settled.getAndSet(true)) {
                context.setBody(body);
                context.next();
            }
        });
        if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
            context.response().writeContinue();
        }
        request.resume();
    }

    private void handle(RoutingContext context) {
        var status = context.statusCode();
        if (context.response().ended() || context.response().headWritten()
                || status < 400 || status >= 500) {
            context.next();
            return;
        }
        problem(context, status, false);
    }

    private void problem(RoutingContext context, int status, boolean close) {
        var acme = isAcme(context.normalizedPath());
        problem(context.response(), acme ? MALFORMED : "about:blank", status, acme, close);
    }

    private static boolean isAcme(String path) {
        return path.equals(AcmeUrls.ROOT) || path.startsWith(AcmeUrls.ROOT + "/");
    }

    /**
     * Writes the problem document; with {@code close}, says {@code Connection: close} and
     * closes the connection once the answer is out (RFC 9112 §9.6).
     */
    private void problem(HttpServerResponse response, String type, int status, boolean nonce,
            boolean close) {
        var detail = switch (status) {
            case 413 -> "the request body is larger than the server accepts";
            case 414 -> "the request URI is too long";
            case 431 -> "the request headers are too large";
            case 405 -> "method not allowed";
            default -> "the request could not be read";
        };
        var body = AcmeJson.object();
        body.put("type", type);
        body.put("title", HttpResponseStatus.valueOf(status).reasonPhrase());
        body.put("detail", detail);
        body.put("status", status);
        response.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, ProblemResponses.PROBLEM_JSON)
                .putHeader("Cache-Control", "no-store");
        if (close) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        if (MALFORMED.equals(type)) {
            response.putHeader("Link", "<" + urls.directory() + ">;rel=\"index\"");
        }
        Runnable end = () -> response.end(AcmeJson.text(body)).onComplete(written -> {
            if (close) {
                response.close();
            }
        });
        if (nonce) {
            // Issuing a nonce touches the database: not on the event loop.
            vertx.executeBlocking(() -> nonces.issue(), false).onComplete(issued -> {
                if (issued.succeeded()) {
                    response.putHeader(AcmeHeaders.REPLAY_NONCE, issued.result());
                } else {
                    LOG.debug("no nonce for an edge problem", issued.cause());
                }
                end.run();
            });
        } else {
            end.run();
        }
    }
}
