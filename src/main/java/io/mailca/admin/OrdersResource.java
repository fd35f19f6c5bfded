package io.mailca.admin;

import io.mailca.registration.OperatorQueries;
import io.mailca.registration.Role;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Set;

/** ACME orders (RFC 8555 §7.1.3), by account and status. */
@Path(AdminPaths.ROOT + "/orders")
@Produces("application/json")
public class OrdersResource {
    private static final Set<String> STATUSES =
            Set.of("pending", "ready", "processing", "valid", "invalid");

    private final OperatorQueries queries;

    OrdersResource(OperatorQueries queries) {
        this.queries = queries;
    }

    @GET
    @RequiredRole(Role.VIEWER)
    public Response list(@QueryParam("account") String account,
            @QueryParam("status") String status, @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor, @Context UriInfo uri) {
        var paging = Paging.of(limit, cursor);
        return paging.respond(queries.orders(Params.text(account),
                Params.oneOf("status", status, STATUSES), paging.offset(), paging.limit()), uri);
    }
}
