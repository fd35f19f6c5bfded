package io.mailca.testsupport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The packaged MailCA server as a child process, started the way an operator starts it:
 * {@code java -jar target/quarkus-app/quarkus-run.jar} in a fresh working directory, configured
 * by environment variables only.
 *
 * <p>Ports are chosen once and kept across {@link #restart()}, because ACME clients remember
 * the directory URL (certbot writes it into its renewal configuration). The data directory is
 * kept too: a restart must find the same CA. Output goes to {@link #logFile()}, all starts
 * appended, so a failed test can show what the server said.
 *
 * <pre>{@code
 * try (var mailca = MailcaProcess.builder()
 *         .domains("example.test")
 *         .dnsResolver(knot.address())
 *         .start()) {
 *     mailca.directoryUrl();  // https://localhost:PORT/acme/directory
 * }
 * }</pre>
 */
public final class MailcaProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(
            Long.getLong("mailca.test.ready-timeout-seconds", 120));
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
    private static final int START_ATTEMPTS = 3;

    private final Path jar;
    private final Path workDir;
    private final Path dataDir;
    private final Map<String, String> env;
    private final List<String> jvmOptions;
    private final int httpPort;
    private final int sslPort;
    private final int http01Port;
    private final int tlsAlpn01Port;
    private final Thread killOnExit;
    private Process process;
    private long logOffsetOfCurrentRun;
    private int starts;

    private MailcaProcess(Builder builder, Path workDir) throws IOException {
        this.jar = builder.jar;
        this.workDir = workDir;
        this.dataDir = builder.dataDir != null ? builder.dataDir : workDir.resolve("data");
        this.jvmOptions = List.copyOf(builder.jvmOptions);
        this.httpPort = freePort();
        this.sslPort = freePort();
        this.http01Port = freePort();
        this.tlsAlpn01Port = freePort();
        this.env = new LinkedHashMap<>();
        env.put("MAILCA_DATA_DIR", dataDir.toString());
        env.put("MAILCA_DOMAINS", builder.domains);
        env.put("QUARKUS_HTTP_PORT", String.valueOf(httpPort));
        env.put("QUARKUS_HTTP_SSL_PORT", String.valueOf(sslPort));
        env.put("MAILCA_VALIDATION_HTTP01_PORT", String.valueOf(http01Port));
        env.put("MAILCA_VALIDATION_TLS_ALPN01_PORT", String.valueOf(tlsAlpn01Port));
        // Test mail hosts live on 127.0.0.1; production refuses loopback validation targets.
        env.put("MAILCA_VALIDATION_HTTP01_ALLOW_LOOPBACK", "true");
        if (builder.dnsResolver != null) {
            env.put("MAILCA_DNS_RESOLVER", builder.dnsResolver);
        }
        env.putAll(builder.extraEnv);
        this.killOnExit = new Thread(this::killQuietly, "mailca-kill");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The ACME directory (RFC 8555 §7.1.1), served over HTTPS. */
    public String directoryUrl() {
        return "https://localhost:" + sslPort + "/acme/directory";
    }

    /** The plain-HTTP base URL of the public pages and CA certificates. */
    public String publicUrl() {
        return "http://localhost:" + httpPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public int sslPort() {
        return sslPort;
    }

    /** The port MailCA's http-01 validator connects to; the ACME client must serve it. */
    public int http01Port() {
        return http01Port;
    }

    /** The port MailCA's tls-alpn-01 validator connects to; the ACME client must serve it. */
    public int tlsAlpn01Port() {
        return tlsAlpn01Port;
    }

    public Path workDir() {
        return workDir;
    }

    /** MAILCA_DATA_DIR: {@code data} in the working directory unless the builder chose one. */
    public Path dataDir() {
        return dataDir;
    }

    /** The issuer of the HTTPS endpoint's certificate: what ACME clients must trust. */
    public Path serviceCaPem() {
        return dataDir().resolve("https").resolve("service-ca.pem");
    }

    public Path logFile() {
        return workDir.resolve("mailca.log");
    }

    /** Everything the server printed, over all starts. */
    public String log() {
        try {
            return Files.exists(logFile()) ? Files.readString(logFile()) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the server printed since its latest start. */
    public String logOfCurrentRun() {
        var all = log().getBytes(StandardCharsets.UTF_8);
        var from = (int) Math.min(logOffsetOfCurrentRun, all.length);
        return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    }

    /** The environment the server runs with (beyond the inherited one). */
    public Map<String, String> env() {
        return Map.copyOf(env);
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The server's process id, e.g. for {@code /proc/PID/status} or {@code jcmd}. */
    public long pid() {
        if (process == null) {
            throw new IllegalStateException("MailCA was never started");
        }
        return process.pid();
    }

    /**
     * Starts the server (again, after {@link #stop()} or {@link #kill()}) on the same ports and
     * data directory, and returns once the ACME directory answers over trusted HTTPS.
     */
    public synchronized MailcaProcess start() {
        if (isAlive()) {
            throw new IllegalStateException("MailCA is already running");
        }
        try {
            starts++;
            Files.writeString(logFile(), "==== MailcaProcess start #" + starts + " at "
                    + Instant.now() + " ====\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            logOffsetOfCurrentRun = Files.size(logFile());

            var command = new java.util.ArrayList<String>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", jar.toString()));
            var builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(logFile().toFile()))
                    .redirectInput(Redirect.from(new java.io.File("/dev/null")));
            // The developer's own MAILCA_*/QUARKUS_* settings must not leak into a test.
            builder.environment().keySet().removeIf(
                    name -> name.startsWith("MAILCA_") || name.startsWith("QUARKUS_"));
            builder.environment().putAll(env);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitReady();
        return this;
    }

    /** Stops the server gracefully (SIGTERM) and returns its exit code. */
    public synchronized int stop() {
        if (process == null) {
            throw new IllegalStateException("MailCA was never started");
        }
        process.destroy();
        return awaitExit("SIGTERM");
    }

    /** Kills the server at once (SIGKILL), as a crash would, and returns its exit code. */
    public synchronized int kill() {
        if (process == null) {
            throw new IllegalStateException("MailCA was never started");
        }
        process.destroyForcibly();
        return awaitExit("SIGKILL");
    }

    /** {@link #stop()} then {@link #start()}: same ports, same data directory. */
    public MailcaProcess restart() {
        stop();
        return start();
    }

    /** GET over plain HTTP from the public base URL, e.g. {@code /ca/root.pem}. */
    public HttpResponse<byte[]> getPublic(String path) {
        return send(HttpClient.newBuilder(), URI.create(publicUrl() + path));
    }

    /** The corporate root, fetched as mail clients fetch it. */
    public X509Certificate rootCertificate() {
        var response = getPublic("/ca/root.pem");
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET /ca/root.pem answered " + response.statusCode());
        }
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(response.body()));
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalStateException("/ca/root.pem is not a certificate", e);
        }
    }

    /** Kills the server if it still runs and deletes its working directory. */
    @Override
    public synchronized void close() {
        killQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException alreadyExiting) {
            // The hook runs anyway.
        }
        if (!Boolean.getBoolean("mailca.test.keep-dirs")) {
            deleteTree(workDir);
        }
    }

    private void awaitReady() {
        var deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        var uri = URI.create(directoryUrl());
        String lastProblem = "nothing tried yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                var output = logOfCurrentRun();
                var message = "MailCA exited with " + process.exitValue()
                        + " before it was ready (files kept in " + workDir + "); its output:\n"
                        + output;
                // Quarkus says "Port N seems to be in use by another process".
                if (output.contains("in use by another process")
                        || output.contains("Address already in use")) {
                    throw new PortTakenException(message);
                }
                throw new IllegalStateException(message);
            }
            // The service CA is written by the server on its first start; trust it once it is.
            if (Files.exists(serviceCaPem())) {
                try {
                    var response = send(HttpClient.newBuilder().sslContext(trusting(
                            serviceCaPem())), uri);
                    if (response.statusCode() == 200) {
                        return;
                    }
                    lastProblem = "GET " + uri + " answered " + response.statusCode();
                } catch (RuntimeException e) {
                    lastProblem = "GET " + uri + ": " + e;
                }
            } else {
                lastProblem = serviceCaPem() + " does not exist";
            }
            sleep(POLL_INTERVAL);
        }
        killQuietly();
        throw new IllegalStateException("MailCA was not ready within " + READY_TIMEOUT
                + " (" + lastProblem + "; files kept in " + workDir + "); its output:\n"
                + logOfCurrentRun());
    }

    private int awaitExit(String signal) {
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("MailCA did not exit within " + STOP_TIMEOUT
                        + " of " + signal + "; its output:\n" + logOfCurrentRun());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return process.exitValue();
    }

    private void killQuietly() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static HttpResponse<byte[]> send(HttpClient.Builder client, URI uri) {
        var request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
        try {
            return client.version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build()
                    .send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An SSL context that trusts exactly the certificates in {@code pem}. */
    public static SSLContext trusting(Path pem) {
        try (var in = Files.newInputStream(pem)) {
            var trustStore = KeyStore.getInstance("PKCS12");
            trustStore.load(null, null);
            var i = 0;
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trustStore.setCertificateEntry("anchor-" + i++, cert);
            }
            var trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustStore);
            var context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust " + pem, e);
        }
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            System.err.println("MailcaProcess: could not delete " + root + ": " + e);
        }
    }

    /** How to start MailCA; everything not set keeps the packaged defaults. */
    public static final class Builder {
        private Path jar = Path.of(System.getProperty("mailca.jar",
                "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        private String domains = "example.test";
        private String dnsResolver;
        private Path dataDir;
        private final Map<String, String> extraEnv = new HashMap<>();
        private final List<String> jvmOptions = new java.util.ArrayList<>();

        private Builder() {
        }

        /** MAILCA_DOMAINS: the mail domains the CA's Name Constraints permit. */
        public Builder domains(String domains) {
            this.domains = domains;
            return this;
        }

        /** MAILCA_DNS_RESOLVER, {@code host:port}, e.g. {@link KnotServer}'s address. */
        public Builder dnsResolver(String hostAndPort) {
            this.dnsResolver = hostAndPort;
            return this;
        }

        /** Runs on this PostgreSQL cluster instead of the embedded store. */
        public Builder postgres(PostgresCluster cluster) {
            return env("QUARKUS_DATASOURCE_JDBC_URL", cluster.jdbcUrl())
                    .env("QUARKUS_DATASOURCE_USERNAME", cluster.username())
                    .env("QUARKUS_DATASOURCE_PASSWORD", cluster.password());
        }

        /**
         * MAILCA_DATA_DIR shared with other processes (replicas mounting one keystore); it
         * outlives this process, which never deletes it.
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir.toAbsolutePath();
            return this;
        }

        /** Any further environment variable, e.g. a {@code MAILCA_*} switch under test. */
        public Builder env(String name, String value) {
            // The harness reads the data directory (service-ca.pem), so it must know it.
            if (name.equals("MAILCA_DATA_DIR")) {
                return dataDir(Path.of(value));
            }
            extraEnv.put(name, value);
            return this;
        }

        /** A JVM option before {@code -jar}; operators may pass some, so tests may too. */
        public Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        /** Another packaged jar than {@code target/quarkus-app/quarkus-run.jar}. */
        public Builder jar(Path jar) {
            this.jar = jar.toAbsolutePath();
            return this;
        }

        /** Creates a fresh working directory and starts MailCA in it; see {@link #start()}. */
        public MailcaProcess start() {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " does not exist: build it first with"
                        + " 'mvn package' (./scripts/test runs 'mvn verify', which does)");
            }
            // A port found free may be taken by another process before MailCA binds it
            // (other test runs share the machine); then start afresh on new ports.
            for (var attempt = 1; ; attempt++) {
                MailcaProcess mailca;
                try {
                    mailca = new MailcaProcess(this, Files.createTempDirectory("mailca-it-"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                try {
                    return mailca.start();
                } catch (PortTakenException e) {
                    if (attempt == START_ATTEMPTS) {
                        mailca.killQuietly();
                        throw e;
                    }
                    mailca.close();
                } catch (RuntimeException e) {
                    // Keep the directory: its log is what explains the failure.
                    mailca.killQuietly();
                    throw e;
                }
            }
        }
    }

    /** MailCA could not bind one of its ports. */
    private static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String message) {
            super(message);
        }
    }
}
