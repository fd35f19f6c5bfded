package io.mailca.acme;

import com.fasterxml.jackson.databind.JsonNode;
import io.mailca.registration.Nonces;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

/**
 * Successful ACME responses: exact content types without parameters, a fresh
 * {@code Replay-Nonce} (RFC 8555 §6.5) and the directory link (§7.1).
 */
@ApplicationScoped
public class AcmeResponses {
    static final String JSON = "application/json";
    static final String PEM_CHAIN = "application/pem-certificate-chain";

    private final Nonces nonces;
    private final AcmeUrls urls;

    AcmeResponses(Nonces nonces, AcmeUrls urls) {
        this.nonces = nonces;
        this.urls = urls;
    }

    /** A JSON response to a POST. */
    public Response.ResponseBuilder json(int status, JsonNode body) {
        return post(status).entity(AcmeJson.bytes(body)).header("Content-Type", JSON);
    }

    /** Any response to a POST: nonce, index link, no caching. */
    public Response.ResponseBuilder post(int status) {
        return Response.status(status)
                .header(AcmeHeaders.REPLAY_NONCE, nonces.issue())
                .header("Cache-Control", "no-store")
                .header("Link", "<" + urls.directory() + ">;rel=\"index\"");
    }

    public String freshNonce() {
        return nonces.issue();
    }
}
