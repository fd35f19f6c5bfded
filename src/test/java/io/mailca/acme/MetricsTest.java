package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.dane.DaneMetrics;
import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code /q/metrics}: reachable for a Prometheus scrape on the plain-HTTP listener, shows a
 * freshly certified host with its one queued TLSA job, and never shows what a client put into a
 * path (a token, a random id). DanePublishingTest checks the numbers through failure, success,
 * rollover and a bogus trust anchor.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class MetricsTest {
    private static final String HOST = "mx-metrics.example.test";

    @Inject
    DaneMetrics metrics;

    @Test
    void theScrapeListsDanesMetricsAndNoClientText() throws Exception {
        var secret = UUID.randomUUID().toString();
        var http = HttpClient.newHttpClient();
        for (var path : new String[] {"/acme/order/" + secret, "/admin/v1/tokens/" + secret,
                "/" + secret}) {
            http.send(HttpRequest.newBuilder(URI.create("http://localhost:"
                    + AcmeTestServers.httpPort() + path)).header("Authorization", "Bearer "
                    + secret).build(), HttpResponse.BodyHandlers.discarding());
        }

        Issuance.issue(AcmeHttp.register(), HOST);
        // The worker's next run would refresh the gauges; this test asks without running it.
        metrics.refresh();

        var scrape = DanePublishingTest.scrape();

        assertThat(DanePublishingTest.metric("mailca_dane_jobs_pending", HOST)).isEqualTo(1);
        assertThat(DanePublishingTest.metric("mailca_dane_jobs_failing", HOST)).isZero();
        assertThat(DanePublishingTest.metric("mailca_dane_owners_insecure", HOST)).isZero();
        assertThat(DanePublishingTest.metric("mailca_dane_probe_alerts", HOST)).isZero();
        assertThat(DanePublishingTest.metric("mailca_dane_records_published", HOST)).isZero();
        assertThat(scrape).doesNotContain(secret);
        assertThat(scrape).contains("# TYPE mailca_dane_jobs_pending gauge",
                "# TYPE mailca_dane_jobs_failing gauge", "# TYPE mailca_dane_owners_insecure gauge",
                "# TYPE mailca_dane_probe_alerts gauge",
                "# TYPE mailca_dane_records_published gauge",
                "mailca_dane_updates_total{publisher=\"rfc2136\",zone=\"example.test\"}");
    }
}
