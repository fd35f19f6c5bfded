package io.mailca.admin;

import io.mailca.registration.AccountService;
import io.mailca.registration.OperatorProblem;
import io.mailca.registration.OperatorQueries;
import io.mailca.registration.OperatorQueries.AccountView;
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
import java.util.Set;

/** ACME accounts (RFC 8555 §7.1.2) as operators see them: list, search, show, deactivate. */
@Path(AdminPaths.ROOT + "/accounts")
@Produces("application/json")
public class AccountsResource {
    private static final Set<String> STATUSES = Set.of("valid", "deactivated", "revoked");

    private final OperatorQueries queries;
    private final AccountService accounts;

    AccountsResource(OperatorQueries queries, AccountService accounts) {
        this.queries = queries;
        this.accounts = accounts;
    }

    /** Accounts newest first; {@code contact} matches a substring of any contact URL. */
    @GET
    @RequiredRole(Role.VIEWER)
    public Response list(@QueryParam("contact") String contact,
            @QueryParam("status") String status, @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor, @Context UriInfo uri) {
        var paging = Paging.of(limit, cursor);
        return paging.respond(queries.accounts(Params.text(contact),
                Params.oneOf("status", status, STATUSES), paging.offset(), paging.limit()), uri);
    }

    @GET
    @Path("{id}")
    @RequiredRole(Role.VIEWER)
    public AccountView show(@PathParam("id") String id) {
        return queries.account(id).orElseThrow(() ->
                OperatorProblem.notFound("no account with id " + id));
    }

    /** Deactivates an account for good (RFC 8555 §7.3.6); its pending authorizations too. */
    @POST
    @Path("{id}/deactivate")
    @RequiredRole(Role.OPERATOR)
    public AccountView deactivate(@PathParam("id") String id, RoutingContext context) {
        return accounts.deactivate(Params.operator(context), id);
    }
}
