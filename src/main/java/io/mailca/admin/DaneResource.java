package io.mailca.admin;

import io.mailca.dane.DaneOverview;
import io.mailca.dane.MtaStsCheck;
import io.mailca.registration.OperatorProblem;
import io.mailca.registration.Role;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import java.util.List;

/**
 * DANE per mail host (RFC 7672): the TLSA records MailCA keeps, what DNS serves and whether it
 * validates, the last probe of each port, pending publication jobs, MTA-STS policies that fail
 * MX hosts; and a reconcile trigger.
 */
@Path(AdminPaths.ROOT + "/dane")
@Produces("application/json")
public class DaneResource {
    private final DaneOverview overview;

    DaneResource(DaneOverview overview) {
        this.overview = overview;
    }

    /** The certified hosts, wrapped so that the object can grow. */
    public record Hosts(List<String> hosts) {
    }

    /** The MTA-STS findings of the mail domains, wrapped so that the object can grow. */
    public record MtaStsFindings(List<MtaStsCheck.Finding> domains) {
    }

    /** How many reconciliation jobs a trigger queued. */
    public record Reconciled(int queued) {
    }

    @GET
    @Path("hosts")
    @RequiredRole(Role.VIEWER)
    public Hosts hosts() {
        return new Hosts(overview.hosts());
    }

    @GET
    @Path("hosts/{host}")
    @RequiredRole(Role.VIEWER)
    public DaneOverview.Host host(@PathParam("host") String host) {
        return overview.host(host.toLowerCase(java.util.Locale.ROOT)).orElseThrow(
                () -> OperatorProblem.notFound("MailCA has certified no host named " + host));
    }

    /**
     * Mail domains of MailCA-certified MX hosts that publish MTA-STS in enforce mode (a
     * warning) or testing mode (a note), as last checked (RFC 8461).
     */
    @GET
    @Path("mta-sts")
    @RequiredRole(Role.VIEWER)
    public MtaStsFindings mtaSts() {
        return new MtaStsFindings(overview.mtaSts());
    }

    /** Compares desired and served RRsets of every host and repairs drift (issue #4). */
    @POST
    @Path("reconcile")
    @RequiredRole(Role.OPERATOR)
    public Reconciled reconcile(RoutingContext context) {
        return new Reconciled(overview.reconcile(Params.operator(context).actor()));
    }
}
