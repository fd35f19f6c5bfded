package io.mailca.registration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How long ACME objects live (RFC 8555 §7.1: {@code expires}). */
@ConfigMapping(prefix = "mailca.acme.lifetime")
public interface Lifetimes {
    /** A pending order or authorization. */
    @WithDefault("P7D")
    Duration pending();

    /** A valid authorization, which later orders of the same account reuse. */
    @WithDefault("P30D")
    Duration validAuthorization();

    /** A nonce. */
    @WithDefault("PT1H")
    Duration nonce();
}
