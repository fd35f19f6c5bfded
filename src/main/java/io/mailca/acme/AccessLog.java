package io.mailca.acme;

import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * One summary line per request: method, endpoint, status, latency, account and problem type.
 * Client errors log at INFO, server errors at ERROR (their stack trace is logged where they
 * are mapped). Bodies, keys and nonces are never logged.
 */
public class AccessLog {
    private static final Logger LOG = Logger.getLogger("io.mailca.access");
    static final String ACCOUNT = "mailca.account";
    private static final String STARTED = "mailca.started";

    @ServerRequestFilter(preMatching = true)
    public void start(ContainerRequestContext request) {
        request.setProperty(STARTED, System.nanoTime());
    }

    @ServerResponseFilter
    public void finish(ContainerRequestContext request, ContainerResponseContext response,
            RoutingContext context) {
        var started = request.getProperty(STARTED);
        var millis = started instanceof Long nanos ? (System.nanoTime() - nanos) / 1_000_000 : -1;
        var status = response.getStatus();
        var account = context.get(ACCOUNT);
        var problem = context.get(AcmeExceptionMappers.PROBLEM_TYPE);
        var line = String.format("%s %s %d %dms account=%s problem=%s",
                request.getMethod(), context.normalizedPath(), status, millis,
                account == null ? "-" : account, problem == null ? "-" : problem);
        if (status >= 500) {
            LOG.error(line);
        } else {
            LOG.info(line);
        }
    }
}
