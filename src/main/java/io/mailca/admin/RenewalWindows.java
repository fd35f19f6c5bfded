package io.mailca.admin;

import io.mailca.registration.OperatorProblem;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The body of the renewal-window endpoints: an RFC 9773 §4.2 suggested window,
 * {@code {"start": RFC 3339, "end": RFC 3339}}, to the second as renewalInfo serves it.
 */
record RenewalWindows(Instant start, Instant end) {
    static RenewalWindows of(byte[] body) {
        var json = Params.body(body);
        var start = required("start", Params.requiredString(json, "start"));
        var end = required("end", Params.requiredString(json, "end"));
        if (!end.isAfter(start)) {
            throw OperatorProblem.badRequest("end must lie after start (RFC 9773 §4.2),"
                    + " to the second");
        }
        return new RenewalWindows(start, end);
    }

    /** RFC 3339 times only: a bare date would hide which second the window starts. */
    private static Instant required(String name, String value) {
        if (value.length() == 10) {
            throw OperatorProblem.badRequest(name + " must be an RFC 3339 time such as"
                    + " 2026-12-31T00:00:00Z");
        }
        return Params.instant(name, value).truncatedTo(ChronoUnit.SECONDS);
    }
}
