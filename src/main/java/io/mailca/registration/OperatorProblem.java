package io.mailca.registration;

/**
 * A refusal of an operator's request (admin API or command line): an HTTP status and a detail
 * meant for the operator. The admin front end turns it into an RFC 9457 problem document.
 */
public class OperatorProblem extends RuntimeException {
    private final int status;

    public OperatorProblem(int status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public String detail() {
        return getMessage();
    }

    public static OperatorProblem badRequest(String detail) {
        return new OperatorProblem(400, detail);
    }

    public static OperatorProblem notFound(String detail) {
        return new OperatorProblem(404, detail);
    }

    public static OperatorProblem conflict(String detail) {
        return new OperatorProblem(409, detail);
    }
}
