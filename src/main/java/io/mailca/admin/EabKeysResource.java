package io.mailca.admin;

import io.mailca.registration.ExternalAccountKeys;
import io.mailca.registration.ExternalAccountKeys.CreatedKey;
import io.mailca.registration.ExternalAccountKeys.KeyInfo;
import io.mailca.registration.Role;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;

/** External Account Binding keys (RFC 8555 §7.3.4): create, list, revoke. */
@Path(AdminPaths.ROOT + "/eab-keys")
@Produces("application/json")
public class EabKeysResource {
    private final ExternalAccountKeys keys;

    EabKeysResource(ExternalAccountKeys keys) {
        this.keys = keys;
    }

    @GET
    @RequiredRole(Role.VIEWER)
    public Response list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
            @Context UriInfo uri) {
        var paging = Paging.of(limit, cursor);
        return paging.respond(keys.list(paging.offset(), paging.limit()), uri);
    }

    /**
     * Creates a key. Body (all optional): {@code label}, {@code nameScope} (array of names or
     * patterns), and either {@code expires} (RFC 3339 time) or {@code validFor} (ISO 8601
     * duration). The answer holds {@code hmacKey}, shown this once.
     */
    @POST
    @RequiredRole(Role.OPERATOR)
    public Response create(byte[] body, RoutingContext context, @Context UriInfo uri) {
        var json = Params.body(body);
        var expires = Params.instant("expires", Params.optionalString(json, "expires"));
        var validFor = Params.duration("validFor", Params.optionalString(json, "validFor"));
        if (expires != null && validFor != null) {
            throw io.mailca.registration.OperatorProblem.badRequest(
                    "give expires or validFor, not both");
        }
        if (validFor != null) {
            expires = Instant.now().plus(validFor);
        }

        CreatedKey created = keys.create(Params.operator(context),
                Params.optionalString(json, "label"), Params.optionalStrings(json, "nameScope"),
                expires);
        return Response.status(201).entity(created).type("application/json")
                .header("Cache-Control", "no-store")
                .location(uri.getAbsolutePathBuilder().path(created.info().kid()).build())
                .build();
    }

    /** Revokes a key: it binds no new account; an account it bound stays. */
    @POST
    @Path("{kid}/revoke")
    @RequiredRole(Role.OPERATOR)
    public KeyInfo revoke(@PathParam("kid") String kid, RoutingContext context) {
        return keys.revoke(Params.operator(context), kid);
    }
}
