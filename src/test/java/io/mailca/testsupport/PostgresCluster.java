package io.mailca.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real, throwaway PostgreSQL 15 server for tests: its own data directory under the system
 * temp dir, listening on a free loopback port, with one database owned by one password-checked
 * user, the way MailCA meets PostgreSQL in production.
 *
 * <p>It uses the binaries of Debian's {@code postgresql} package. {@code initdb} and
 * {@code pg_ctl} refuse to run as root, so a root test JVM runs them as the {@code postgres}
 * user in a directory that user owns. Durability is switched off ({@code fsync=off}): the
 * cluster lives for one test run and speed matters more ({@link #startDurable()} keeps it on,
 * for the benchmark).
 *
 * <pre>{@code
 * try (var pg = PostgresCluster.start()) {
 *     DriverManager.getConnection(pg.jdbcUrl(), pg.username(), pg.password());
 * }
 * }</pre>
 */
public final class PostgresCluster implements AutoCloseable {
    /** Overridable for machines where PostgreSQL lives elsewhere (another major version). */
    private static final Path BIN =
            Path.of(System.getProperty("mailca.test.pg-bin", "/usr/lib/postgresql/15/bin"));
    private static final String DATABASE = "mailca";
    private static final String USERNAME = "mailca";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(90);
    private static final int START_ATTEMPTS = 3;

    private final Path dir;
    private final boolean asPostgresUser;
    private final String password;
    private final boolean durable;
    private final Thread shutdownHook;
    private int port;
    private boolean stopped;

    private PostgresCluster(Path dir, boolean asPostgresUser, boolean durable) {
        this.dir = dir;
        this.asPostgresUser = asPostgresUser;
        this.durable = durable;
        this.password = randomSecret();
        this.shutdownHook = new Thread(this::stopQuietly, "postgres-cluster-cleanup");
    }

    /** Creates, starts and provisions a new cluster; it is gone after {@link #close()}. */
    public static PostgresCluster start() throws IOException, InterruptedException {
        return start(false);
    }

    /**
     * A cluster with PostgreSQL's durable defaults ({@code fsync}, {@code synchronous_commit}
     * and {@code full_page_writes} on): a returned commit is on disk, as in production. For
     * benchmarks, whose figures must include the cost of durability.
     */
    public static PostgresCluster startDurable() throws IOException, InterruptedException {
        return start(true);
    }

    private static PostgresCluster start(boolean durable)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(BIN.resolve("initdb"))) {
            throw new IllegalStateException(BIN + "/initdb not found: install Debian's"
                    + " 'postgresql' package (./scripts/test does that when run as root)");
        }
        var cluster = new PostgresCluster(
                Files.createTempDirectory("mailca-pg-"), isRoot(), durable);
        // Registered before anything starts, so a half-started server is not left behind.
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.initialize();
            cluster.startServer();
            cluster.provision();
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public String username() {
        return USERNAME;
    }

    public String password() {
        return password;
    }

    public int port() {
        return port;
    }

    /** The server's log, for failure messages. */
    public Path logFile() {
        return dir.resolve("server.log");
    }

    /** Stops the server at once and deletes its files. */
    @Override
    public synchronized void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or has run; nothing left to unregister.
        }
    }

    private void initialize() throws IOException, InterruptedException {
        // The superuser password reaches initdb through a file, never the command line.
        var superuserPassword = dir.resolve("superuser-password");
        Files.writeString(superuserPassword, password + "\n");
        if (asPostgresUser) {
            handToPostgresUser(dir);
            handToPostgresUser(superuserPassword);
        }
        run(List.of(BIN.resolve("initdb").toString(),
                "--pgdata=" + dataDir(),
                "--username=postgres",
                "--pwfile=" + superuserPassword,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions"));
        Files.delete(superuserPassword);

        // The socket goes into our private directory; listening is loopback only.
        var settings = new ArrayList<>(List.of(
                "",
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + dir + "'",
                "max_connections = 200"));
        if (!durable) {
            settings.addAll(List.of(
                    "fsync = off",
                    "synchronous_commit = off",
                    "full_page_writes = off"));
        }
        settings.add("");
        Files.writeString(dataDir().resolve("postgresql.conf"), String.join("\n", settings),
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    }

    private void startServer() throws IOException, InterruptedException {
        // Another process may grab the free port between probing and binding; try again then.
        for (int attempt = 1; ; attempt++) {
            port = freePort();
            try {
                run(List.of(BIN.resolve("pg_ctl").toString(),
                        "--pgdata=" + dataDir(),
                        "--log=" + logFile(),
                        "--options=-p " + port,
                        "--wait",
                        "--timeout=60",
                        "start"));
                return;
            } catch (IOException e) {
                if (attempt == START_ATTEMPTS) {
                    throw new IOException(e.getMessage() + "\nserver log:\n" + logTail(), e);
                }
            }
        }
    }

    private void provision() throws IOException {
        var superuser = new Properties();
        superuser.setProperty("user", "postgres");
        superuser.setProperty("password", password);
        var url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        // The driver directly: DriverManager misses it under Quarkus' test class loaders.
        try (var connection = new org.postgresql.Driver().connect(url, superuser);
                var statement = connection.createStatement()) {
            // The secret is random hex, so it needs no escaping inside the literal.
            statement.execute("CREATE ROLE " + USERNAME + " LOGIN PASSWORD '" + password + "'");
            statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + USERNAME);
        } catch (SQLException e) {
            throw new IOException("provisioning " + url + " failed", e);
        }
    }

    private synchronized void stopQuietly() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            if (Files.exists(dataDir().resolve("postmaster.pid"))) {
                // Immediate mode: the data is thrown away anyway, so skip the checkpoint.
                run(List.of(BIN.resolve("pg_ctl").toString(),
                        "--pgdata=" + dataDir(),
                        "--mode=immediate",
                        "--wait",
                        "--timeout=30",
                        "stop"));
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("PostgresCluster: stopping " + dir + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            deleteTree(dir);
        }
    }

    private Path dataDir() {
        return dir.resolve("data");
    }

    private void run(List<String> command) throws IOException, InterruptedException {
        var full = new ArrayList<String>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        var output = Files.createTempFile("mailca-pg-cmd-", ".log");
        try {
            var process = new ProcessBuilder(full)
                    // A directory postgres can enter; the test JVM's may be closed to it.
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException("timed out after " + COMMAND_TIMEOUT + ": " + full
                        + "\n" + Files.readString(output));
            }
            if (process.exitValue() != 0) {
                throw new IOException("exit " + process.exitValue() + ": " + full + "\n"
                        + Files.readString(output));
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private String logTail() {
        try {
            var lines = Files.readAllLines(logFile());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no server log: " + e.getMessage() + ")";
        }
    }

    private static void handToPostgresUser(Path path) throws IOException {
        var lookup = path.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName("postgres");
        GroupPrincipal group = lookup.lookupPrincipalByGroupName("postgres");
        var view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        view.setOwner(user);
        view.setGroup(group);
    }

    private static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String randomSecret() {
        var bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("PostgresCluster: could not delete " + root + ": " + e);
        }
    }
}
