package io.mailca.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} at a real PostgreSQL server instead of the embedded store:
 * annotate the test class with {@code @WithTestResource(PostgresResource.class)}.
 *
 * <p>One {@link PostgresCluster} serves the whole test JVM. Quarkus may start and stop this
 * resource once per application restart; starting a cluster each time would cost seconds, and
 * Flyway migrations are idempotent, so the cluster outlives every application and goes away
 * with the JVM (through its shutdown hook).
 */
public final class PostgresResource implements QuarkusTestResourceLifecycleManager {
    private static PostgresCluster cluster;

    @Override
    public Map<String, String> start() {
        var pg = shared();
        return Map.of(
                "quarkus.datasource.jdbc.url", pg.jdbcUrl(),
                "quarkus.datasource.username", pg.username(),
                "quarkus.datasource.password", pg.password());
    }

    @Override
    public void stop() {
        // Deliberately empty: the cluster belongs to the JVM, not to one application start.
    }

    /** The JVM's cluster, started on first use; for tests that also want plain JDBC. */
    public static synchronized PostgresCluster shared() {
        if (cluster == null) {
            try {
                cluster = PostgresCluster.start();
            } catch (IOException e) {
                throw new IllegalStateException("could not start PostgreSQL for tests", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting PostgreSQL", e);
            }
        }
        return cluster;
    }
}
