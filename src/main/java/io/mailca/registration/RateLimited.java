package io.mailca.registration;

import java.util.List;

/**
 * A {@code rateLimited} problem (RFC 8555 §6.6): HTTP 429 with the seconds until the limit
 * admits the request again ({@code Retry-After}) and the page that explains the limits
 * ({@code Link rel="help"}).
 */
public class RateLimited extends AcmeProblem {
    private final long retryAfterSeconds;
    private final String helpUrl;

    public RateLimited(String detail, long retryAfterSeconds, String helpUrl) {
        super(ProblemType.RATE_LIMITED, ProblemType.RATE_LIMITED.status(), detail, List.of(),
                null);
        this.retryAfterSeconds = retryAfterSeconds;
        this.helpUrl = helpUrl;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public String helpUrl() {
        return helpUrl;
    }
}
