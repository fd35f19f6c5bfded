package io.mailca.admin;

import io.mailca.registration.Operator;
import io.mailca.registration.Role;
import io.mailca.registration.TokenService;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates every admin request by its bearer token (RFC 6750) and checks the endpoint's
 * {@link RequiredRole}: no or an unknown token is 401, a role too low is 403, both as RFC 9457
 * problems. Tokens travel over HTTPS only.
 */
public class AdminAuthentication {
    /** Where the authenticated {@link Operator} waits for the resource. */
    static final String OPERATOR = "mailca.admin.operator";
    private static final String CHALLENGE = "Bearer realm=\"mailca-admin\"";

    @Inject
    TokenService tokens;

    @ConfigProperty(name = "mailca.admin.https-only", defaultValue = "true")
    boolean httpsOnly;

    @ServerRequestFilter
    public Response authenticate(RoutingContext context, ResourceInfo resource) {
        var path = context.normalizedPath();
        if (!(path.equals(AdminPaths.ROOT) || path.startsWith(AdminPaths.ROOT + "/"))) {
            return null;
        }
        if (httpsOnly && !context.request().isSSL()) {
            return AdminProblems.of(403, "the admin API is served over HTTPS only");
        }
        var required = requiredRole(resource);

        var header = context.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return unauthorized("this endpoint needs an Authorization: Bearer token");
        }
        var operator = tokens.authenticate(header.substring(7).trim());
        if (operator.isEmpty()) {
            return unauthorized("the bearer token is unknown, revoked or expired");
        }
        if (!operator.get().role().covers(required)) {
            return AdminProblems.of(403, "this endpoint needs the role " + required.wireName()
                    + "; the token has " + operator.get().role().wireName());
        }
        context.put(OPERATOR, operator.get());
        return null;
    }

    /** The role an endpoint declares, on the method or its class; admin when it declares none. */
    static Role requiredRole(ResourceInfo resource) {
        var method = resource.getResourceMethod();
        if (method != null && method.isAnnotationPresent(RequiredRole.class)) {
            return method.getAnnotation(RequiredRole.class).value();
        }
        var type = resource.getResourceClass();
        if (type != null && type.isAnnotationPresent(RequiredRole.class)) {
            return type.getAnnotation(RequiredRole.class).value();
        }
        return Role.ADMIN;
    }

    private static Response unauthorized(String detail) {
        var problem = AdminProblems.of(401, detail);
        return Response.fromResponse(problem).header("WWW-Authenticate", CHALLENGE).build();
    }
}
