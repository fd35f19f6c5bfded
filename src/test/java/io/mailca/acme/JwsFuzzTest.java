package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mailca.registration.AcmeProblem;
import java.time.Duration;

/**
 * Fuzzes the part of the JWS verifier that reads raw client bytes (RFC 8555 §6.2, RFC 7515
 * §7.2.2): the flattened JSON, the protected header, an embedded {@code jwk} and the payload.
 * The only refusal it may give is an {@link AcmeProblem} with a 4xx status; anything else
 * would reach the client as a 500. Regression mode replays {@code JwsFuzzTestInputs/parse};
 * {@code JAZZER_FUZZ=1} fuzzes (docs/testing.md).
 */
class JwsFuzzTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    /** The first input pays for class loading and instrumentation; it is not timed. */
    private static boolean warm;

    @FuzzTest(maxDuration = "5m")
    void parse(byte[] body) {
        var started = System.nanoTime();
        try {
            var parts = JwsVerifier.parse(body);
            var header = parts.header();
            AcmeJson.optionalString(header, "url");
            AcmeJson.optionalString(header, "nonce");
            AcmeJson.optionalString(header, "kid");
            if (header.has("jwk")) {
                JwsVerifier.parseJwk(header.get("jwk"));
            }
            if (!parts.encodedPayload().isEmpty()) {
                AcmeJson.parseObject(AcmeJson.base64url(parts.encodedPayload(), "payload"),
                        "the payload");
            }
        } catch (AcmeProblem refused) {
            assertThat(refused.status()).as(refused.detail()).isBetween(400, 499);
        }
        if (warm) {
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(LIMIT);
        }
        warm = true;
    }
}
