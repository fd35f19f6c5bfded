package io.mailca.web;

import io.mailca.registration.RateLimits;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

/**
 * The page a {@code rateLimited} problem links to ({@code Link rel="help"}, RFC 8555 §6.6):
 * the limits in force and what to do when one is reached.
 */
@Path("/rate-limits")
public class RateLimitsResource {
    private final RateLimits rateLimits;

    RateLimitsResource(RateLimits rateLimits) {
        this.rateLimits = rateLimits;
    }

    @GET
    @Produces("text/plain")
    public String limits() {
        var text = new StringBuilder("MailCA rate limits\n\n");
        for (var limit : rateLimits.limits()) {
            text.append("- ").append(limit.name()).append(": ")
                    .append(limit.limit() > 0 ? limit.limit() + " per " + limit.windowText()
                            : "no limit")
                    .append('\n');
        }
        text.append("""

                orders-per-account counts the new orders (and pre-authorizations) of one ACME
                account.
                certificates-per-domain counts the certificates issued for names under one
                mail domain (the longest configured domain a name lies under).
                A refused request is answered 429 rateLimited with Retry-After: wait that many
                seconds. If a client keeps hitting a limit, it is probably looping; ask the
                operators of this CA before raising a limit.
                """);
        return text.toString();
    }
}
