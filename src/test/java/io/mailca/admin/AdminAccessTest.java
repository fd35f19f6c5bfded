package io.mailca.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.mailca.registration.Role;
import io.mailca.registration.TokenService;
import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every endpoint of the admin API, found by reflection over the JAX-RS resources of
 * {@code io.mailca.admin} (so that a new endpoint cannot escape), refuses anonymous callers and
 * unknown tokens with 401 and too low a role with 403, as RFC 9457 problems.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class AdminAccessTest {
    private static final List<Class<? extends java.lang.annotation.Annotation>> VERBS =
            List.of(GET.class, POST.class, PUT.class, DELETE.class, PATCH.class);

    record Endpoint(String method, String path, Role required, String name) {
    }

    private List<Endpoint> endpoints;

    @Inject
    TokenService tokens;

    @BeforeEach
    void enumerate() {
        endpoints = new ArrayList<>();
        var classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.mailca.admin");
        for (var javaClass : classes) {
            var type = javaClass.reflect();
            var root = type.getAnnotation(Path.class);
            if (root == null) {
                continue;
            }
            for (Method method : type.getMethods()) {
                var verb = verbOf(method);
                if (verb == null) {
                    continue;
                }
                var sub = method.getAnnotation(Path.class);
                var path = (root.value() + (sub == null ? "" : "/" + sub.value()))
                        .replaceAll("/+", "/").replaceAll("\\{[^}]+}", "x");
                var declared = method.isAnnotationPresent(RequiredRole.class)
                        ? method.getAnnotation(RequiredRole.class)
                        : type.getAnnotation(RequiredRole.class);
                assertThat(declared).as("%s.%s declares a @RequiredRole", type.getSimpleName(),
                        method.getName()).isNotNull();
                endpoints.add(new Endpoint(verb, path, declared.value(),
                        type.getSimpleName() + "." + method.getName()));
            }
        }
    }

    private static String verbOf(Method method) {
        for (var verb : VERBS) {
            if (method.isAnnotationPresent(verb)) {
                return verb.getAnnotation(HttpMethod.class).value();
            }
        }
        return null;
    }

    @Test
    void theEnumerationSeesTheWholeApi() {
        var names = endpoints.stream().map(Endpoint::name).toList();

        assertThat(names).contains("AccountsResource.list", "AccountsResource.show",
                "AccountsResource.deactivate", "OrdersResource.list", "CertificatesResource.list",
                "CertificatesResource.show", "CertificatesResource.revoke", "EabKeysResource.list",
                "EabKeysResource.create", "EabKeysResource.revoke", "CaResource.show",
                "AuditResource.list", "AuditResource.verify", "TokensResource.list",
                "TokensResource.create", "TokensResource.revoke");
        assertThat(endpoints).allSatisfy(e -> assertThat(e.path()).startsWith("/admin/v1/"));
    }

    @Test
    void anonymousAndUnknownTokensGet401() {
        for (var endpoint : endpoints) {
            for (var token : new String[] {null, "mca_not-a-token", ""}) {
                var reply = AdminHttp.send(endpoint.method(), relative(endpoint), token);

                assertThat(reply.status()).as("%s with token %s: %s", endpoint, token, reply)
                        .isEqualTo(401);
                assertProblem(reply, 401);
                assertThat(reply.header("WWW-Authenticate"))
                        .isEqualTo("Bearer realm=\"mailca-admin\"");
            }
        }
    }

    @Test
    void rolesBelowTheRequiredOneGet403AndTheRequiredOnePasses() {
        var byRole = Map.of(Role.VIEWER, AdminHttp.token(tokens, Role.VIEWER),
                Role.OPERATOR, AdminHttp.token(tokens, Role.OPERATOR),
                Role.ADMIN, AdminHttp.token(tokens, Role.ADMIN));
        for (var endpoint : endpoints) {
            for (var role : Role.values()) {
                var reply = AdminHttp.send(endpoint.method(), relative(endpoint),
                        byRole.get(role));

                if (role.covers(endpoint.required())) {
                    // Past authorization: the dummy "x" ids give 404, lists 200, bodies 400.
                    assertThat(reply.status()).as("%s as %s: %s", endpoint, role, reply)
                            .isIn(200, 201, 400, 404);
                } else {
                    assertThat(reply.status()).as("%s as %s: %s", endpoint, role, reply)
                            .isEqualTo(403);
                    assertProblem(reply, 403);
                    assertThat(reply.json().get("detail").asText()).isEqualTo(
                            "this endpoint needs the role " + endpoint.required().wireName()
                                    + "; the token has " + role.wireName());
                }
            }
        }
    }

    @Test
    void revokedAndExpiredTokensGet401() {
        var admin = tokens.create(new io.mailca.registration.Operator("test", Role.ADMIN),
                Role.ADMIN, "short-lived", null);
        assertThat(AdminHttp.get("/ca", admin.token()).status()).isEqualTo(200);

        tokens.revoke(new io.mailca.registration.Operator("test", Role.ADMIN),
                admin.info().id());

        var reply = AdminHttp.get("/ca", admin.token());
        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.json().get("detail").asText())
                .isEqualTo("the bearer token is unknown, revoked or expired");
    }

    private static String relative(Endpoint endpoint) {
        return endpoint.path().substring(AdminPaths.ROOT.length());
    }

    static void assertProblem(AdminHttp.Reply reply, int status) {
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        var json = reply.json();
        assertThat(json.get("type").asText()).isEqualTo("about:blank");
        assertThat(json.get("status").asInt()).isEqualTo(status);
        assertThat(json.get("title").asText()).isEqualTo(status == 401 ? "Unauthorized"
                : status == 403 ? "Forbidden" : status == 400 ? "Bad Request"
                : status == 404 ? "Not Found" : "Conflict");
        assertThat(json.get("detail").asText()).isNotBlank();
    }
}
