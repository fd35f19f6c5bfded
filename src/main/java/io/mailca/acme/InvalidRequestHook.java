package io.mailca.acme;

import io.quarkus.arc.Unremovable;
import io.quarkus.vertx.VertxOptionsCustomizer;
import io.vertx.core.Handler;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.URISyntaxException;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Hands the HTTP/1.1 requests that Vert.x cannot decode (RFC 9112 §3, §5, §6.3: a garbage or
 * oversized request line, an oversized or broken header block, a Content-Length that is not
 * one number, Content-Length with Transfer-Encoding), and those whose target Quarkus refuses
 * before routing (not an RFC 3986 URI reference, e.g. with a NUL), to {@link EdgeProblems}, so
 * that they too are answered with a problem document instead of an empty 4xx.
 *
 * <p>Vert.x routes such a request to its server's invalid-request handler, never to the
 * Router, and Quarkus 3.33 creates its HttpServer without a way to set that handler
 * (quarkusio/quarkus#55082). What Quarkus does offer is {@link VertxOptionsCustomizer}, and
 * Vert.x reports the start of every HTTP/1.1 request, decodable or not, to the public
 * {@link HttpServerMetrics} SPI just before it picks the handler from the connection
 * ({@code Http1xServerConnection.handleMessage}). At that moment this hook sets the
 * connection's invalid-request handler (or, for a target Quarkus would refuse, its request
 * handler) for that one request; the answer closes the connection.
 *
 * <p>The trade-off: this leans on Vert.x 4.5's order of events and on one internal type,
 * {@code io.vertx.core.http.impl.HttpServerConnection}. A Vert.x update that removes the type
 * breaks the build here; one that changes the order makes the hook do nothing, and Vert.x's
 * empty answers come back, which the {@code http/raw-*} cases of {@code HostileCorpusTest}
 * report. Where someone else owns the metrics SPI, the hook stands aside with a warning.
 * Once Quarkus sets an invalid-request handler of its own (quarkusio/quarkus#55148, for its
 * access log), this should move to whatever hook that brings.
 */
@ApplicationScoped
@Unremovable
public class InvalidRequestHook implements VertxOptionsCustomizer {
    private static final Logger LOG = Logger.getLogger(InvalidRequestHook.class);
    /** Quarkus skips its request-target check when this is set; so does the hook. */
    private static final boolean URI_CHECK_OFF = Boolean.getBoolean("vertx.disableURIValidation");

    /** Set by {@link EdgeProblems} once it is ready; until then Vert.x's default answers. */
    private static volatile Handler<HttpServerRequest> answer;

    private static final HttpServerMetrics<Void, Void, Void> REQUEST_START =
            new HttpServerMetrics<>() {
                @Override
                public Void requestBegin(Void socket, HttpRequest request) {
                    handOver(request);
                    return null;
                }
            };

    private static final VertxMetrics METRICS = new VertxMetrics() {
        @Override
        public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options,
                SocketAddress localAddress) {
            return REQUEST_START;
        }
    };

    static void answerWith(Handler<HttpServerRequest> handler) {
        answer = handler;
    }

    @Override
    public void accept(VertxOptions options) {
        var metrics = options.getMetricsOptions();
        if (metrics != null && metrics.isEnabled()) {
            LOG.warn("Vert.x metrics are in use: undecodable HTTP requests get Vert.x's empty "
                    + "answers, not problem documents");
            return;
        }
        // With a connection limit, Quarkus expects its own metrics type once metrics are on.
        if (ConfigProvider.getConfig()
                .getOptionalValue("quarkus.http.limits.max-connections", Integer.class)
                .isPresent()) {
            LOG.warn("quarkus.http.limits.max-connections is set: undecodable HTTP requests "
                    + "get Vert.x's empty answers, not problem documents");
            return;
        }
        options.setMetricsOptions(new MetricsOptions().setEnabled(true)
                .setFactory(vertxOptions -> METRICS));
    }

    private static void handOver(HttpRequest started) {
        var handler = answer;
        if (handler == null || !(started instanceof HttpServerRequest request)) {
            return;
        }
        var decoded = request.decoderResult();
        if (!(request.connection() instanceof HttpServerConnection connection)
                || decoded == null) {
            return;
        }
        if (decoded.isFailure()) {
            connection.invalidRequestHandler(handler);
        } else if (request.version() != HttpVersion.HTTP_2 && !targetParses(request.uri())) {
            // Quarkus's own request handler would refuse this with an empty 400 before the
            // Router (VertxHttpRecorder's URI check): answer it here instead. The answer closes
            // the connection, so the swapped handler serves no later request. Not on HTTP/2,
            // where the connection carries other streams at the same time.
            connection.handler(handler);
        }
    }

    /** The check Quarkus makes of every request target before routing it. */
    private static boolean targetParses(String target) {
        if (target == null) {
            return false;
        }
        if (URI_CHECK_OFF) {
            return true;
        }
        try {
            new URI(target);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
