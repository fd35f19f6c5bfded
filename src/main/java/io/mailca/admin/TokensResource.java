package io.mailca.admin;

import io.mailca.registration.OperatorProblem;
import io.mailca.registration.Role;
import io.mailca.registration.TokenService;
import io.mailca.registration.TokenService.TokenInfo;
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

/** Bearer tokens of this API: list, create (the token is shown once), revoke. Admins only. */
@Path(AdminPaths.ROOT + "/tokens")
@Produces("application/json")
@RequiredRole(Role.ADMIN)
public class TokensResource {
    private final TokenService tokens;

    TokensResource(TokenService tokens) {
        this.tokens = tokens;
    }

    @GET
    public Response list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
            @Context UriInfo uri) {
        var paging = Paging.of(limit, cursor);
        return paging.respond(tokens.list(paging.offset(), paging.limit()), uri);
    }

    /** Body: {@code name}, {@code role} (viewer, operator, admin), optional {@code validFor}. */
    @POST
    public Response create(byte[] body, RoutingContext context, @Context UriInfo uri) {
        var json = Params.body(body);
        var roleName = Params.requiredString(json, "role");
        var role = Role.ofWireName(roleName).orElseThrow(() ->
                OperatorProblem.badRequest("role must be one of viewer, operator, admin"));

        var created = tokens.create(Params.operator(context), role,
                Params.requiredString(json, "name"),
                Params.duration("validFor", Params.optionalString(json, "validFor")));
        return Response.status(201).entity(created).type("application/json")
                .header("Cache-Control", "no-store")
                .location(uri.getAbsolutePathBuilder().path(created.info().id()).build())
                .build();
    }

    @POST
    @Path("{id}/revoke")
    public TokenInfo revoke(@PathParam("id") String id, RoutingContext context) {
        return tokens.revoke(Params.operator(context), id);
    }
}
