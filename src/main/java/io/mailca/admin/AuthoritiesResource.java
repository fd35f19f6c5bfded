package io.mailca.admin;

import io.mailca.registration.RenewalInfo;
import io.mailca.registration.Role;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import java.time.Instant;

/**
 * The CA's authorities as targets of operator actions: moving the ACME Renewal Information
 * window (RFC 9773 §4.2) of every certificate an issuing CA signed, e.g. before a key rollover.
 * {@code GET /admin/v1/ca} lists the authorities and their ids.
 */
@Path(AdminPaths.ROOT + "/authorities")
@Produces("application/json")
public class AuthoritiesResource {
    private final RenewalInfo renewalInfo;

    AuthoritiesResource(RenewalInfo renewalInfo) {
        this.renewalInfo = renewalInfo;
    }

    /**
     * What moving the windows of an issuer's certificates did.
     *
     * @param moved how many unexpired certificates of the authority now have the window
     */
    public record MovedWindows(String authority, Instant start, Instant end, int moved) {
    }

    /**
     * Moves the suggested renewal window of every unexpired certificate the authority signed.
     * Body: {@code {"start": "2026-12-04T00:00:00Z", "end": "2026-12-05T00:00:00Z"}}.
     */
    @POST
    @Path("{id}/renewal-window")
    @RequiredRole(Role.OPERATOR)
    public MovedWindows moveRenewalWindows(@PathParam("id") String id, byte[] body,
            RoutingContext context) {
        var window = RenewalWindows.of(body);

        var moved = renewalInfo.moveWindowsOfIssuer(id, window.start(), window.end(),
                Params.operator(context).actor());
        return new MovedWindows(id, window.start(), window.end(), moved);
    }
}
