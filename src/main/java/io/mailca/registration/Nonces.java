package io.mailca.registration;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;

/** Issues and spends anti-replay nonces (RFC 8555 §6.5), shared by every replica. */
@ApplicationScoped
public class Nonces {
    private final io.mailca.store.Nonces store;
    private final Lifetimes lifetimes;
    private final Clock clock;

    Nonces(io.mailca.store.Nonces store, Lifetimes lifetimes, Clock clock) {
        this.store = store;
        this.lifetimes = lifetimes;
        this.clock = clock;
    }

    public String issue() {
        return store.issue(clock.instant().plus(lifetimes.nonce()));
    }

    /** True exactly once for a nonce this server issued and that has not expired. */
    public boolean consume(String nonce) {
        return store.consume(nonce, clock.instant());
    }

    @Scheduled(every = "10m", delayed = "1m")
    void purge() {
        store.purgeExpired(clock.instant());
    }
}
