package io.mailca.admin;

import io.mailca.registration.OperatorProblem;
import io.mailca.registration.OperatorQueries;
import io.mailca.registration.OperatorQueries.CertificateView;
import io.mailca.registration.RenewalInfo;
import io.mailca.registration.RevocationService;
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
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Issued certificates: search, show with PEM and fingerprints, revoke with a reason, move the
 * suggested renewal window (RFC 9773).
 */
@Path(AdminPaths.ROOT + "/certificates")
@Produces("application/json")
public class CertificatesResource {
    private static final Set<String> STATUSES = Set.of("valid", "revoked", "expired");
    private static final Pattern SERIAL = Pattern.compile("[0-9a-f]{1,64}");

    private final OperatorQueries queries;
    private final RevocationService revocations;
    private final RenewalInfo renewalInfo;

    CertificatesResource(OperatorQueries queries, RevocationService revocations,
            RenewalInfo renewalInfo) {
        this.queries = queries;
        this.revocations = revocations;
        this.renewalInfo = renewalInfo;
    }

    /**
     * Certificates newest first, by host name (one of its dNSNames), serial (hex), status
     * ({@code valid}, {@code revoked}, {@code expired}) and {@code expiringBefore}.
     */
    @GET
    @RequiredRole(Role.VIEWER)
    public Response list(@QueryParam("host") String host, @QueryParam("serial") String serial,
            @QueryParam("status") String status,
            @QueryParam("expiringBefore") String expiringBefore,
            @QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
            @Context UriInfo uri) {
        var paging = Paging.of(limit, cursor);
        var hostName = Params.text(host) == null ? null : host.toLowerCase(Locale.ROOT);
        return paging.respond(queries.certificates(hostName,
                serial == null || serial.isEmpty() ? null : serial(serial),
                Params.oneOf("status", status, STATUSES),
                Params.instant("expiringBefore", expiringBefore),
                paging.offset(), paging.limit()), uri);
    }

    @GET
    @Path("{serial}")
    @RequiredRole(Role.VIEWER)
    public CertificateView show(@PathParam("serial") String serial) {
        var hex = serial(serial);
        return queries.certificate(hex).orElseThrow(() ->
                OperatorProblem.notFound("no certificate with serial " + hex));
    }

    /**
     * Revokes a certificate. Body: {@code {"reason": "keyCompromise"}}, a CRLReason name of
     * RFC 5280 §5.3.1 (unspecified, keyCompromise, affiliationChanged, superseded,
     * cessationOfOperation, privilegeWithdrawn); unspecified when absent.
     */
    @POST
    @Path("{serial}/revoke")
    @RequiredRole(Role.OPERATOR)
    public CertificateView revoke(@PathParam("serial") String serial, byte[] body,
            RoutingContext context) {
        var hex = serial(serial);
        var reasonName = Params.optionalString(Params.body(body), "reason");
        var code = reasonName == null ? 0 : OperatorQueries.REASONS.entrySet().stream()
                .filter(e -> e.getValue().equals(reasonName)).map(e -> e.getKey()).findFirst()
                .orElseThrow(() -> OperatorProblem.badRequest("reason must be one of "
                        + String.join(", ", new java.util.TreeSet<>(
                                OperatorQueries.REASONS.values()))));

        revocations.revokeBySerial(Params.operator(context), hex, code);
        return show(hex);
    }

    /**
     * Moves the certificate's suggested renewal window (RFC 9773 §4.2), e.g. earlier before
     * revoking it: clients that poll renewalInfo renew within it. Body:
     * {@code {"start": "2026-12-04T00:00:00Z", "end": "2026-12-05T00:00:00Z"}}.
     */
    @POST
    @Path("{serial}/renewal-window")
    @RequiredRole(Role.OPERATOR)
    public RenewalWindow moveRenewalWindow(@PathParam("serial") String serial, byte[] body,
            RoutingContext context) {
        var hex = serial(serial);
        var window = RenewalWindows.of(body);

        var moved = renewalInfo.moveWindow(hex, window.start(), window.end(),
                Params.operator(context).actor());
        return new RenewalWindow(hex, moved.start(), moved.end());
    }

    /** A certificate's suggested renewal window, as renewalInfo now serves it. */
    public record RenewalWindow(String serial, Instant start, Instant end) {
    }

    /** Serial numbers in hex, with or without colons, any case, without leading zeros. */
    private static String serial(String value) {
        var hex = value.replace(":", "").toLowerCase(Locale.ROOT).replaceFirst("^0+(?=.)", "");
        if (!SERIAL.matcher(hex).matches()) {
            throw OperatorProblem.badRequest("serial must be hexadecimal");
        }
        return hex;
    }
}
