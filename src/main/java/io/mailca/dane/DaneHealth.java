package io.mailca.dane;

import io.mailca.store.DaneRows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * DANE's health at {@code /q/health/well}: DOWN, loudly, when a host's TLSA is not
 * DNSSEC-secure (it then protects nothing, RFC 6698 §4.1), when a probe found a host serving
 * a superseded, expired or unmatched certificate, when publication jobs keep failing, or when
 * a mail domain of MailCA-certified MX hosts enforces MTA-STS (a note for testing mode). A
 * wellness check rather than readiness or liveness: a DNS problem of one mail host must not
 * take MailCA out of its load balancer or restart it.
 */
@Wellness
@ApplicationScoped
public class DaneHealth implements HealthCheck {
    private final DaneRows rows;
    private final MtaStsCheck mtaSts;

    DaneHealth(DaneRows rows, MtaStsCheck mtaSts) {
        this.rows = rows;
        this.mtaSts = mtaSts;
    }

    @Override
    public HealthCheckResponse call() {
        return QuarkusTransaction.requiringNew().call(() -> {
            var builder = HealthCheckResponse.named("dane").up();
            for (var status : rows.statuses()) {
                if (!status.secure) {
                    builder.down().withData(status.ownerName, "INSECURE: TLSA not DNSSEC-secure,"
                            + " sending MTAs ignore it");
                }
            }
            for (var probe : rows.latestProbes()) {
                if (probe.alert != null) {
                    // One entry per address of a host that has several (issue #4).
                    builder.down().withData("probe " + probe.host + ":" + probe.port
                            + (probe.address == null ? "" : " " + probe.address), probe.alert);
                }
            }
            var failing = rows.pendingJobs().stream().filter(j -> j.lastError != null).toList();
            for (var job : failing) {
                builder.down().withData("job " + job.id + " " + job.host,
                        "attempt " + job.attempts + " failed: " + job.lastError);
            }
            // An enforced MTA-STS policy fails these MX hosts for its senders (RFC 8461 §4.2).
            for (var finding : mtaSts.findings()) {
                if (finding.warning()) {
                    builder.down();
                }
                builder.withData("mta-sts " + finding.domain(), finding.message());
            }
            return builder.build();
        });
    }
}
