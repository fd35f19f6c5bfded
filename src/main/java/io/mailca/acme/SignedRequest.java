package io.mailca.acme;

import com.fasterxml.jackson.databind.JsonNode;
import io.mailca.store.Account;
import java.security.PublicKey;

/**
 * A POST whose JWS verified (RFC 8555 §6.2): who signed it and what it says.
 *
 * @param account the account behind {@code kid}, or null for a {@code jwk}-signed request
 * @param key the key that verified the signature
 * @param jwkJson the {@code jwk} header as JSON, for {@code jwk}-signed requests
 * @param thumbprint RFC 7638 thumbprint of {@code key}
 * @param payload the payload, or null for POST-as-GET (an empty payload, §6.3)
 */
public record SignedRequest(Account account, PublicKey key, String jwkJson, String thumbprint,
        JsonNode payload, String url) {
    public boolean isPostAsGet() {
        return payload == null;
    }
}
