package io.mailca.admin;

import io.mailca.registration.OperatorQueries;
import io.mailca.registration.OperatorQueries.AuthorityView;
import io.mailca.registration.Role;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import java.util.List;

/**
 * The corporate CA: root and issuing certificates with fingerprints, Name Constraints
 * (RFC 5280 §4.2.1.10) and where each key is kept.
 */
@Path(AdminPaths.ROOT + "/ca")
@Produces("application/json")
public class CaResource {
    private final OperatorQueries queries;

    CaResource(OperatorQueries queries) {
        this.queries = queries;
    }

    /** The CA's certificates, wrapped so that the object can grow. */
    public record Ca(List<AuthorityView> authorities) {
    }

    @GET
    @RequiredRole(Role.VIEWER)
    public Ca show() {
        return new Ca(queries.authorities());
    }
}
