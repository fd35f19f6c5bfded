package io.mailca.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.mailca.issuance.ServiceTls;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A {@code @QuarkusTest} with {@link PostgresResource} really runs on PostgreSQL, migrated. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@TestProfile(PostgresResourceTest.OwnDataDir.class)
class PostgresResourceTest {

    /**
     * A throwaway data directory holding the HTTPS files that {@code Main} writes before a
     * real start (a {@code @QuarkusTest} never runs {@code Main}), and random ports, because
     * other test runs may share the machine.
     */
    public static final class OwnDataDir implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                var dataDir = Files.createTempDirectory("mailca-quarkustest-");
                // It holds CA keys by the end: remove it with the JVM, as the cluster goes.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dataDir)));
                ServiceTls.ensure(dataDir.resolve("https"), List.of("localhost"),
                        Clock.systemUTC());
                return Map.of(
                        "mailca.data-dir", dataDir.toString(),
                        "quarkus.http.test-port", "0",
                        "quarkus.http.test-ssl-port", "0");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Inject
    AgroalDataSource dataSource;

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // A temp directory left behind is harmless.
        }
    }

    @Test
    void applicationRunsOnMigratedPostgres() throws Exception {
        try (var connection = dataSource.getConnection();
                var statement = connection.createStatement()) {
            assertThat(connection.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
            assertThat(connection.getMetaData().getURL())
                    .isEqualTo(PostgresResource.shared().jdbcUrl());

            var migrations = statement.executeQuery(
                    "SELECT count(*) FROM flyway_schema_history WHERE success");
            migrations.next();
            assertThat(migrations.getInt(1)).isPositive();
        }
    }
}
