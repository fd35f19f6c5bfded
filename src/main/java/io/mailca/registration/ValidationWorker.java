package io.mailca.registration;

import io.mailca.registration.AuthorizationService.ValidationTask;
import io.mailca.validation.CaaCheck;
import io.mailca.validation.Dns01Validator;
import io.mailca.validation.Http01Validator;
import io.mailca.validation.TlsAlpn01Validator;
import io.mailca.validation.ValidationOutcome;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs challenge validations in the background, outside any request and any database
 * transaction: a validation is network I/O against the applicant and may take seconds.
 * A challenge whose worker died (process killed) is taken over by the sweep below.
 */
@ApplicationScoped
public class ValidationWorker {
    private static final Logger LOG = Logger.getLogger(ValidationWorker.class);

    private final AuthorizationService authorizations;
    private final Http01Validator http01;
    private final Dns01Validator dns01;
    private final CaaCheck caa;
    private final TlsAlpn01Validator tlsAlpn01;
    private final Clock clock;
    private final Duration staleAfter;
    private final ExecutorService pool;

    ValidationWorker(AuthorizationService authorizations, Http01Validator http01,
            Dns01Validator dns01, TlsAlpn01Validator tlsAlpn01, CaaCheck caa, Clock clock,
            @ConfigProperty(name = "mailca.validation.workers", defaultValue = "32") int workers,
            @ConfigProperty(name = "mailca.validation.stale-after", defaultValue = "PT2M")
            Duration staleAfter) {
        this.authorizations = authorizations;
        this.http01 = http01;
        this.dns01 = dns01;
        this.caa = caa;
        this.tlsAlpn01 = tlsAlpn01;
        this.clock = clock;
        this.staleAfter = staleAfter;
        var counter = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(workers, runnable -> {
            var thread = new Thread(runnable, "validation-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Queues validations whose challenges were committed as {@code processing}. */
    public void submit(List<ValidationTask> tasks) {
        for (var task : tasks) {
            try {
                pool.execute(() -> run(task));
            } catch (RejectedExecutionException e) {
                // Shutting down: the sweep of another replica or of the next start takes it.
                LOG.debugf("validation of challenge %s left for the sweep", task.challengeId());
            }
        }
    }

    @Scheduled(every = "${mailca.validation.sweep-every:30s}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweepStale() {
        var tasks = authorizations.reclaimStale(clock.instant().minus(staleAfter), 100);
        if (!tasks.isEmpty()) {
            LOG.infof("taking over %d validations left unfinished", tasks.size());
            submit(tasks);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        pool.shutdownNow();
    }

    private void run(ValidationTask task) {
        ValidationOutcome outcome;
        try {
            outcome = switch (task.type()) {
                case "http-01" -> http01.validate(task.identifier(), task.token(),
                        task.keyAuthorization());
                case "dns-01" -> dns01.validate(task.identifier(), task.keyAuthorization());
                case "tls-alpn-01" -> tlsAlpn01.validate(task.identifier(),
                        task.keyAuthorization());
                default -> ValidationOutcome.invalid("malformed",
                        "challenge type " + task.type() + " is not supported");
            };
        } catch (RuntimeException e) {
            LOG.error("validation of challenge " + task.challengeId() + " failed unexpectedly", e);
            outcome = ValidationOutcome.invalid("serverInternal",
                    "the validation could not be completed; try a new order");
        }
        // RFC 8659 §3: CAA is checked once control is shown, before the authorization becomes
        // valid, when the method that RFC 8657 validationmethods may limit is known.
        Instant caaCheckedAt = null;
        if (outcome.valid() && caa.enabled()) {
            try {
                outcome = caa.check(task.identifier(), task.wildcard(), task.accountId(),
                        task.type());
                caaCheckedAt = outcome.valid() ? clock.instant() : null;
            } catch (RuntimeException e) {
                LOG.error("CAA check of challenge " + task.challengeId() + " failed", e);
                outcome = ValidationOutcome.invalid("serverInternal",
                        "CAA could not be checked; try a new order");
            }
        }
        LOG.debugf("challenge %s %s for %s: %s", task.challengeId(), task.type(),
                task.identifier(), outcome.valid() ? "valid" : outcome.detail());
        try {
            authorizations.complete(task.challengeId(), outcome.valid(),
                    outcome.valid() ? null : ProblemType.ofShortName(outcome.problemType()),
                    outcome.detail(), caaCheckedAt);
        } catch (RuntimeException e) {
            LOG.error("recording the validation of challenge " + task.challengeId()
                    + " failed; the sweep will retry it", e);
        }
    }
}
