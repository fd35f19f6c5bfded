package io.mailca.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.issuance.ServiceTls;
import io.mailca.testsupport.MailcaProcess;
import io.mailca.testsupport.PostgresCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CA is created once: by the first of several processes starting together on one database,
 * and by an explicit {@code init-ca} that can run any number of times.
 */
class CaCreationIT {
    private static final String CREATED = "Created the corporate CA.";
    private static final String LOADED = "Loaded the corporate CA.";

    @Test
    void twoProcessesStartingTogetherOnOneDatabaseCreateOneCa(@TempDir Path tmp)
            throws Exception {
        try (var postgres = PostgresCluster.start()) {
            var data = tmp.resolve("data");
            // The HTTPS files are per machine, not per database; made once here so that the
            // race under test is the CA's alone.
            ServiceTls.ensure(data.resolve("https"), List.of("localhost", "127.0.0.1"),
                    Clock.systemUTC());
            var pool = Executors.newFixedThreadPool(2);
            var first = pool.submit(() -> MailcaProcess.builder().postgres(postgres)
                    .dataDir(data).start());
            var second = pool.submit(() -> MailcaProcess.builder().postgres(postgres)
                    .dataDir(data).start());
            pool.shutdown();

            try (var a = first.get(180, TimeUnit.SECONDS);
                    var b = second.get(180, TimeUnit.SECONDS)) {
                var created = List.of(a.log(), b.log()).stream()
                        .filter(log -> log.contains(CREATED)).count();
                var loaded = List.of(a.log(), b.log()).stream()
                        .filter(log -> log.contains(LOADED)).count();
                assertThat(created).as("processes that created a CA").isEqualTo(1);
                assertThat(loaded).as("processes that loaded it").isEqualTo(1);
                assertThat(a.rootCertificate()).isEqualTo(b.rootCertificate());
            }
            try (var db = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(),
                    postgres.password())) {
                assertThat(count(db, "select count(*) from authority where ca_role = 'ROOT'"))
                        .isEqualTo(1);
                assertThat(count(db, "select count(*) from authority")).isEqualTo(2);
            }
        }
    }

    @Test
    void initCaCreatesTheCaOnceAndServeKeepsIt(@TempDir Path tmp) throws Exception {
        var data = tmp.resolve("data");

        var firstRun = initCa(tmp, data);
        var secondRun = initCa(tmp, data);

        assertThat(firstRun).contains(CREATED).doesNotContain(LOADED);
        assertThat(secondRun).contains(LOADED).doesNotContain(CREATED);
        assertThat(fingerprint(secondRun)).isEqualTo(fingerprint(firstRun));
        try (var db = DriverManager.getConnection("jdbc:h2:file:" + data.resolve("mailca")
                + ";MODE=PostgreSQL", "mailca", "")) {
            assertThat(count(db, "select count(*) from authority")).isEqualTo(2);
        }
        try (var served = MailcaProcess.builder().dataDir(data)
                .start()) {
            assertThat(served.logOfCurrentRun()).contains(LOADED).doesNotContain(CREATED);
            assertThat(served.logOfCurrentRun()).contains(fingerprint(firstRun));
        }
    }

    private static String initCa(Path tmp, Path data) throws IOException, InterruptedException {
        var jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        var output = Files.createTempFile(tmp, "init-ca", ".log");
        var builder = new ProcessBuilder("java", "-jar", jar.toString(), "init-ca",
                "--domains=example.test", "--data-dir=" + data)
                .directory(tmp.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        var process = builder.start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("init-ca finished").isTrue();
        var log = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("init-ca exit status, log:%n%s", log).isZero();
        return log;
    }

    private static String fingerprint(String log) {
        var matcher = java.util.regex.Pattern
                .compile("Root SHA-256 fingerprint: ([0-9A-F:]{95})").matcher(log);
        assertThat(matcher.find()).as("fingerprint line in:%n%s", log).isTrue();
        return matcher.group(1);
    }

    private static long count(java.sql.Connection db, String sql) throws SQLException {
        try (var statement = db.createStatement(); var rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
