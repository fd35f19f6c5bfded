package io.mailca.registration;

import java.util.List;

/**
 * The one error type of the ACME path: a problem type, a detail meant for the client, and
 * subproblems naming the identifiers at fault (RFC 8555 §6.7.1). The front end turns it into an
 * {@code application/problem+json} document; nothing else about the failure leaves the server.
 */
public class AcmeProblem extends RuntimeException {
    private final ProblemType type;
    private final int status;
    private final List<Subproblem> subproblems;
    private final String location;

    public AcmeProblem(ProblemType type, String detail) {
        this(type, type.status(), detail, List.of(), null);
    }

    public AcmeProblem(ProblemType type, String detail, List<Subproblem> subproblems) {
        this(type, type.status(), detail, subproblems, null);
    }

    public AcmeProblem(ProblemType type, int status, String detail, List<Subproblem> subproblems,
            String location) {
        super(detail, null, false, false);
        this.type = type;
        this.status = status;
        this.subproblems = List.copyOf(subproblems);
        this.location = location;
    }

    public ProblemType type() {
        return type;
    }

    public String detail() {
        return getMessage();
    }

    public int status() {
        return status;
    }

    public List<Subproblem> subproblems() {
        return subproblems;
    }

    /** A {@code Location} to send with the problem (the conflicting account of §7.3.5). */
    public String location() {
        return location;
    }

    /** A problem about one identifier within a larger one. */
    public record Subproblem(ProblemType type, String detail, Identifier identifier) {
    }
}
