package io.mailca.admin;

import io.mailca.policy.Decision;
import io.mailca.policy.IdentifierPolicy;
import io.mailca.policy.NameScope;
import io.mailca.registration.Role;
import io.mailca.store.Accounts;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Locale;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * "Would this name be allowed, and why?" for operators: runs the identifier policy (global
 * rules, then the account's name scope) exactly as newOrder would (RFC 8555 §7.4) and creates
 * nothing. CAA (RFC 8659) is not part of the answer: it is checked at validation, when the
 * method and the account are known.
 *
 * <p>{@code GET /admin/v1/policy/decisions?name=mx1.example.com[&account=ID][&type=dns]}
 * answers {@code application/json}; bad input is an RFC 9457 problem. It needs a viewer
 * token like every admin endpoint; {@code mailca.admin.policy-endpoint.enabled=false} switches
 * it off.
 */
@Path("/admin/v1/policy/decisions")
@RequiredRole(Role.VIEWER)
public class PolicyDecisionResource {
    static final String PROBLEM_JSON = "application/problem+json";

    private final IdentifierPolicy policy;
    private final Accounts accounts;
    private final boolean enabled;

    PolicyDecisionResource(IdentifierPolicy policy, Accounts accounts,
            @ConfigProperty(name = "mailca.admin.policy-endpoint.enabled",
                    defaultValue = "true") boolean enabled) {
        this.policy = policy;
        this.accounts = accounts;
        this.enabled = enabled;
    }

    /** The answer: the policy's verdict on one identifier, with its reason. */
    public record PolicyDecision(String type, String name, String account, String nameScope,
            boolean allowed, String verdict, String normalized, String reason) {
    }

    /** An RFC 9457 problem document. */
    public record Problem(String type, String title, int status, String detail) {
    }

    @GET
    @Produces({MediaType.APPLICATION_JSON, PROBLEM_JSON})
    public Response decide(@QueryParam("name") String name,
            @QueryParam("account") String account, @QueryParam("type") String type) {
        if (!enabled) {
            return problem(404, "Not Found", "the policy decision endpoint is disabled; set"
                    + " mailca.admin.policy-endpoint.enabled=true to use it");
        }
        if (name == null || name.isBlank()) {
            return problem(400, "Bad Request", "the query parameter 'name' is required, e.g."
                    + " ?name=mx1.example.com");
        }
        if (name.length() > 300) {
            return problem(400, "Bad Request", "'name' is longer than a DNS name can be");
        }
        var identifierType = type == null || type.isBlank() ? "dns" : type;

        var scope = NameScope.unrestricted();
        String accountId = null;
        if (account != null && !account.isBlank()) {
            // An operator may paste the account URL from a client's output or its bare id.
            accountId = account.substring(account.lastIndexOf('/') + 1);
            var found = accountId.isEmpty() ? null : accounts.byId(accountId).orElse(null);
            if (found == null) {
                return problem(404, "Not Found", "no account '" + accountId + "'");
            }
            scope = NameScope.parse(found.nameScope);
        }

        Decision decision = policy.check(identifierType, name, scope);
        return Response.ok(new PolicyDecision(identifierType, name, accountId,
                        scope.restricted() ? scope.toString() : null, decision.isAllowed(),
                        decision.verdict().name().toLowerCase(Locale.ROOT),
                        decision.normalized(), decision.reason()))
                .type(MediaType.APPLICATION_JSON).header("Cache-Control", "no-store").build();
    }

    private static Response problem(int status, String title, String detail) {
        return Response.status(status).type(PROBLEM_JSON)
                .entity(new Problem("about:blank", title, status, detail)).build();
    }
}
