package io.mailca.acme;

import io.mailca.admin.AdminExceptionMappers;
import io.mailca.admin.AdminPaths;
import io.mailca.registration.AcmeProblem;
import io.mailca.registration.ProblemType;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every failure into a problem document. An {@link AcmeProblem} says what the client did
 * wrong; anything else is MailCA's fault and becomes {@code serverInternal} with a generic
 * detail, the cause going to the log only.
 */
public class AcmeExceptionMappers {
    private static final Logger LOG = Logger.getLogger(AcmeExceptionMappers.class);
    static final String PROBLEM_TYPE = "mailca.problem";

    private final ProblemResponses problems;

    AcmeExceptionMappers(ProblemResponses problems) {
        this.problems = problems;
    }

    /** The admin API answers in RFC 9457 problems of its own, without ACME headers. */
    private static boolean isAdmin(RoutingContext context) {
        var path = context.normalizedPath();
        return path.equals(AdminPaths.ROOT) || path.startsWith(AdminPaths.ROOT + "/");
    }

    @ServerExceptionMapper
    public Response acmeProblem(AcmeProblem problem, RoutingContext context) {
        context.put(PROBLEM_TYPE, problem.type().shortName());
        if (isAdmin(context)) {
            return AdminExceptionMappers.rejected(problem.status(), problem.detail());
        }
        return problems.of(problem);
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, RoutingContext context) {
        var status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e, context);
        }
        String detail;
        if (e instanceof NotFoundException) {
            detail = "no such resource";
        } else if (e instanceof NotAllowedException) {
            detail = "method " + context.request().method() + " is not allowed here";
        } else if (e instanceof NotSupportedException) {
            detail = "unsupported Content-Type";
        } else {
            detail = "the request could not be processed (HTTP " + status + ")";
        }
        context.put(PROBLEM_TYPE, "malformed");
        if (isAdmin(context)) {
            return AdminExceptionMappers.rejected(status, detail);
        }
        return problems.of(ProblemType.MALFORMED, status, detail);
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, RoutingContext context) {
        if (e instanceof AcmeProblem problem) {
            return acmeProblem(problem, context);
        }
        LOG.errorf(e, "unexpected failure on %s %s", context.request().method(),
                context.normalizedPath());
        context.put(PROBLEM_TYPE, "serverInternal");
        if (isAdmin(context)) {
            return AdminExceptionMappers.unexpected();
        }
        return problems.of(ProblemType.SERVER_INTERNAL, 500,
                "the server could not complete the request; it has been logged");
    }
}
