package io.mailca.acme;

import io.mailca.registration.RenewalInfo;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

/**
 * RFC 9773 §4: {@code GET <renewalInfo>/<certID>}, unauthenticated, answers the certificate's
 * suggested renewal window and, in {@code Retry-After}, when to ask again. A certID that does
 * not parse is 400 {@code malformed}; one of no certificate MailCA issued is 404.
 */
@Path(AcmeUrls.ROOT + "/renewal-info")
public class RenewalInfoResource {
    private final RenewalInfo renewalInfo;
    private final AcmeUrls urls;

    RenewalInfoResource(RenewalInfo renewalInfo, AcmeUrls urls) {
        this.renewalInfo = renewalInfo;
        this.urls = urls;
    }

    @GET
    @Path("{certId}")
    public Response renewalInfo(@PathParam("certId") String certId) {
        var window = renewalInfo.window(certId);

        var node = AcmeJson.object();
        var suggested = node.putObject("suggestedWindow");
        suggested.put("start", AcmeWire.time(window.start()));
        suggested.put("end", AcmeWire.time(window.end()));
        return Response.ok(AcmeJson.bytes(node))
                .header("Content-Type", AcmeResponses.JSON)
                .header("Retry-After", String.valueOf(window.retryAfter().toSeconds()))
                .header("Link", "<" + urls.directory() + ">;rel=\"index\"")
                .build();
    }
}
