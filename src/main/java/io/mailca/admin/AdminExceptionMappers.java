package io.mailca.admin;

import io.mailca.registration.OperatorProblem;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns an {@link OperatorProblem} into an RFC 9457 problem. Other failures on admin paths
 * reach {@code acme.AcmeExceptionMappers}, which hands them to {@link #unexpected} and
 * {@link #rejected}, so that no admin error looks like an ACME one.
 */
public class AdminExceptionMappers {
    @ServerExceptionMapper
    public Response operatorProblem(OperatorProblem problem) {
        return AdminProblems.of(problem.status(), problem.detail());
    }

    /** A failure of the JAX-RS layer itself: no such path, wrong method, unreadable body. */
    public static Response rejected(int status, String detail) {
        return AdminProblems.of(status, detail);
    }

    /** MailCA's own fault: a generic detail, the cause goes to the log by the caller. */
    public static Response unexpected() {
        return AdminProblems.of(500, "the server could not complete the request; it has been"
                + " logged");
    }
}
