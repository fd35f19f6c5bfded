package io.mailca.acme;

import io.mailca.registration.ProblemType;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * RFC 8555 §6.1: ACME is served over HTTPS only. The plain-HTTP listener exists for the CA
 * certificates, CRL and OCSP, which clients fetch without TLS.
 */
public class HttpsOnly {
    @Inject
    ProblemResponses problems;

    @Inject
    AcmeUrls urls;

    @ConfigProperty(name = "mailca.acme.https-only", defaultValue = "true")
    boolean httpsOnly;

    @ServerRequestFilter(preMatching = true)
    public Response refusePlainHttp(RoutingContext context) {
        var path = context.normalizedPath();
        if (!httpsOnly || context.request().isSSL()
                || !(path.equals(AcmeUrls.ROOT) || path.startsWith(AcmeUrls.ROOT + "/"))) {
            return null;
        }
        return problems.of(ProblemType.MALFORMED, 400,
                "ACME is served over HTTPS only; use " + urls.directory());
    }
}
