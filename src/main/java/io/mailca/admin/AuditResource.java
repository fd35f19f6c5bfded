package io.mailca.admin;

import io.mailca.registration.OperatorQueries;
import io.mailca.registration.Role;
import io.mailca.store.AuditLog.Verification;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** The audit log: events by time, actor and action, and a check of its hash chain. */
@Path(AdminPaths.ROOT + "/audit-events")
@Produces("application/json")
public class AuditResource {
    private final OperatorQueries queries;

    AuditResource(OperatorQueries queries) {
        this.queries = queries;
    }

    /** Events newest first; {@code since} is inclusive, {@code until} exclusive. */
    @GET
    @RequiredRole(Role.VIEWER)
    public Response list(@QueryParam("since") String since, @QueryParam("until") String until,
            @QueryParam("actor") String actor, @QueryParam("action") String action,
            @QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
            @Context UriInfo uri) {
        var paging = Paging.of(limit, cursor);
        return paging.respond(queries.auditEvents(Params.instant("since", since),
                Params.instant("until", until), Params.text(actor), Params.text(action),
                paging.offset(), paging.limit()), uri);
    }

    /** Walks the whole chain; {@code intact} false names the first row that breaks it. */
    @GET
    @Path("verify")
    @RequiredRole(Role.VIEWER)
    public Verification verify() {
        return queries.verifyAudit();
    }
}
