package io.mailca.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A real PowerDNS Authoritative Server for tests: {@code pdns_server} in the foreground as a
 * child process, with its own configuration directory, a throwaway SQLite database made from
 * the schema the Debian package ships, DNS on a free loopback port and the HTTP API
 * ({@code api=yes}) on another, with a random API key.
 *
 * <p>Zones are given as zone-file text, loaded with {@code pdnsutil load-zone} before the server
 * starts (its zone cache would not see them for minutes otherwise), carry
 * {@code SOA-EDIT-API INCREASE} so that every API change adds one to the serial, and may be
 * DNSSEC-signed ({@code pdnsutil secure-zone}: PowerDNS then signs every answer live). Nothing
 * here reads or touches {@code /etc/powerdns} or a system pdns on port 53.
 *
 * <pre>{@code
 * static PowerDnsServer pdns;
 *
 * @BeforeAll static void start() {
 *     pdns = PowerDnsServer.builder().signedZone("example.test", KnotServer.soa("example.test")
 *             + "mx1 A 127.0.0.1\n").start();
 * }
 * @AfterAll static void stop() { pdns.close(); }
 * }</pre>
 *
 * <p>Needs the Debian packages {@code pdns-server}, {@code pdns-backend-sqlite3} and
 * {@code sqlite3}.
 */
public final class PowerDnsServer implements AutoCloseable {

    private static final String PDNS_SERVER = "pdns_server";
    private static final String PDNSUTIL = "pdnsutil";
    private static final String SQLITE3 = "sqlite3";
    private static final List<String> SCHEMAS = List.of(
            "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql",
            "/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final Path dir;
    private final int dnsPort;
    private final int apiPort;
    private final String apiKey;
    private final Process process;
    private final Thread killOnExit;

    private PowerDnsServer(Path dir, int dnsPort, int apiPort, String apiKey, Process process) {
        this.dir = dir;
        this.dnsPort = dnsPort;
        this.apiPort = apiPort;
        this.apiKey = apiKey;
        this.process = process;
        this.killOnExit = new Thread(process::destroyForcibly, "pdns-kill");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** A builder without zones. */
    public static Builder builder() {
        return new Builder();
    }

    /** The loopback port PowerDNS answers DNS on, UDP and TCP. */
    public int port() {
        return dnsPort;
    }

    /** {@code 127.0.0.1:port}, the form {@code mailca.dane.zones."Z".authoritative} takes. */
    public String address() {
        return "127.0.0.1:" + dnsPort;
    }

    /** The API's base URL, {@code http://127.0.0.1:PORT}. */
    public String apiUrl() {
        return "http://127.0.0.1:" + apiPort;
    }

    /** The API key ({@code X-API-Key}). */
    public String apiKey() {
        return apiKey;
    }

    /** Asks PowerDNS directly over UDP, with the DO bit so that RRSIGs come along. */
    public Message query(String name, int type) {
        try {
            var query = Message.newQuery(
                    Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN));
            query.addRecord(new OPTRecord(1232, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
            var resolver = new SimpleResolver(new InetSocketAddress(
                    InetAddress.getLoopbackAddress(), dnsPort));
            resolver.setTimeout(Duration.ofSeconds(3));
            resolver.setTCP(true);
            return resolver.send(query);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The SOA serial of {@code zone} in PowerDNS' database, as its API reports it. */
    public long serial(String zone) {
        var response = api("GET", "/api/v1/servers/localhost/zones/" + zone + ".", null);
        try {
            return new ObjectMapper().readTree(response.body()).path("serial").asLong(-1);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + response.body(), e);
        }
    }

    /** How many {@code method} requests ({@code "PATCH"}) the API has logged. */
    public long apiRequests(String method) {
        return log().lines().filter(l -> l.contains("[webserver]")
                && l.contains("\"" + method + " ")).count();
    }

    /**
     * Runs {@code pdnsutil --config-dir=DIR args...} against the server's database, as an
     * operator editing records by hand would, and returns its output.
     */
    public String pdnsutil(String... args) {
        var command = new ArrayList<>(List.of(PDNSUTIL, "--config-dir=" + dir));
        command.addAll(List.of(args));
        return run(command, null);
    }

    /**
     * Sends one API request ({@code GET}, {@code PATCH}, ...) to {@code path} under the base
     * URL with the API key, and returns the response: for tests that play another API client.
     */
    public HttpResponse<String> api(String method, String path, String json) {
        var builder = HttpRequest.newBuilder(URI.create(apiUrl() + path))
                .header("X-API-Key", apiKey).timeout(Duration.ofSeconds(5));
        builder = json == null ? builder.method(method, HttpRequest.BodyPublishers.noBody())
                : builder.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(json));
        try {
            return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                    .send(builder.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What pdns_server has logged so far, for a failing test's message. */
    public String log() {
        return Daemons.log(dir.resolve("pdns.log"));
    }

    /** Stops pdns_server and removes its directory. */
    @Override
    public void close() {
        Daemons.stop(process, Duration.ofSeconds(5));
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException alreadyExiting) {
            // The hook runs anyway.
        }
        Daemons.deleteTree(dir);
    }

    private static String run(List<String> command, Path input) {
        try {
            var builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (input != null) {
                builder.redirectInput(input.toFile());
            }
            var p = builder.start();
            var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("failed: " + command + "\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(missing(command.get(0), e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static IOException missing(String program, IOException cause) {
        return new IOException(program + " is not installed or not on PATH: "
                + "apt-get install pdns-server pdns-backend-sqlite3 sqlite3", cause);
    }

    /** Zones of a server to start. */
    public static final class Builder {

        private final Map<String, String> zones = new LinkedHashMap<>();
        private final Map<String, Boolean> signed = new LinkedHashMap<>();

        private Builder() {
        }

        /** Adds an unsigned zone; {@code text} is a zone file, see {@link KnotServer#soa}. */
        public Builder zone(String origin, String text) {
            zones.put(origin, text);
            signed.put(origin, false);
            return this;
        }

        /** Adds a zone that PowerDNS signs with DNSSEC (one ECDSA P-256 CSK). */
        public Builder signedZone(String origin, String text) {
            zones.put(origin, text);
            signed.put(origin, true);
            return this;
        }

        /**
         * Starts pdns_server and returns once it answers SOA queries for every zone and the API
         * answers with the key.
         *
         * @throws IllegalStateException when PowerDNS is missing, exits, or does not answer
         */
        public PowerDnsServer start() {
            if (zones.isEmpty()) {
                throw new IllegalStateException("a PowerDNS server needs at least one zone");
            }
            var key = new byte[24];
            new SecureRandom().nextBytes(key);
            var apiKey = HexFormat.of().formatHex(key);
            IllegalStateException last = null;
            // Free ports are found by binding and releasing them; another process may take one
            // in between, so a failed start is tried again on new ports.
            for (var attempt = 0; attempt < 3; attempt++) {
                try {
                    return startOnce(freePort(true), freePort(false), apiKey);
                } catch (PortTakenException e) {
                    last = e;
                }
            }
            throw last;
        }

        private PowerDnsServer startOnce(int dnsPort, int apiPort, String apiKey) {
            Path dir;
            try {
                dir = Files.createTempDirectory("pdns-");
                Files.writeString(dir.resolve("pdns.conf"), config(dir, dnsPort, apiPort,
                        apiKey));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                run(List.of(SQLITE3, dir.resolve("pdns.sqlite3").toString()), schema());
                for (var zone : zones.entrySet()) {
                    var file = dir.resolve(zone.getKey() + ".zone");
                    Files.writeString(file, zone.getValue());
                    var util = List.of(PDNSUTIL, "--config-dir=" + dir);
                    run(concat(util, "load-zone", zone.getKey(), file.toString()), null);
                    run(concat(util, "set-meta", zone.getKey(), "SOA-EDIT-API", "INCREASE"),
                            null);
                    if (signed.get(zone.getKey())) {
                        run(concat(util, "secure-zone", zone.getKey()), null);
                    }
                }
            } catch (IOException | RuntimeException e) {
                Daemons.deleteTree(dir);
                throw e instanceof IOException io ? new UncheckedIOException(io)
                        : (RuntimeException) e;
            }

            Process process;
            try {
                process = new ProcessBuilder(PDNS_SERVER, "--config-dir=" + dir)
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("pdns.log").toFile())
                        .start();
            } catch (IOException e) {
                Daemons.deleteTree(dir);
                throw new IllegalStateException(missing(PDNS_SERVER, e).getMessage(), e);
            }
            var server = new PowerDnsServer(dir, dnsPort, apiPort, apiKey, process);
            server.awaitAnswers(zones.keySet());
            return server;
        }

        private static String config(Path dir, int dnsPort, int apiPort, String apiKey) {
            return String.join("\n",
                    "daemon=no",
                    "guardian=no",
                    "disable-syslog=yes",
                    "write-pid=no",
                    "socket-dir=" + dir,
                    "launch=gsqlite3",
                    "gsqlite3-database=" + dir.resolve("pdns.sqlite3"),
                    "gsqlite3-dnssec=yes",
                    "local-address=127.0.0.1",
                    "local-port=" + dnsPort,
                    "receiver-threads=1",
                    "distributor-threads=1",
                    "api=yes",
                    "api-key=" + apiKey,
                    "webserver=yes",
                    "webserver-address=127.0.0.1",
                    "webserver-port=" + apiPort,
                    "webserver-allow-from=127.0.0.0/8",
                    // One log line per API request, which tests count.
                    "webserver-loglevel=normal",
                    "loglevel=6",
                    // No outbound DNS: no security poll, no NOTIFY to the zones' NS names.
                    "security-poll-suffix=",
                    "only-notify=",
                    "");
        }

        private static Path schema() {
            return SCHEMAS.stream().map(Path::of).filter(Files::isReadable).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no PowerDNS SQLite schema in "
                            + SCHEMAS + ": apt-get install pdns-backend-sqlite3"));
        }

        private static List<String> concat(List<String> head, String... tail) {
            var all = new ArrayList<>(head);
            all.addAll(List.of(tail));
            return all;
        }

        private static int freePort(boolean udpToo) {
            for (var i = 0; i < 20; i++) {
                try (var tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    var port = tcp.getLocalPort();
                    if (!udpToo) {
                        return port;
                    }
                    try (var udp = new DatagramSocket(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                        return port;
                    } catch (IOException udpTaken) {
                        // Try another port.
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            throw new IllegalStateException("no free loopback port for pdns_server");
        }
    }

    private void awaitAnswers(Iterable<String> zones) {
        var deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        var pending = new ArrayList<String>();
        zones.forEach(pending::add);
        var apiReady = false;
        while (!pending.isEmpty() || !apiReady) {
            if (!process.isAlive()) {
                var log = log();
                close();
                if (log.contains("already in use")) {
                    throw new PortTakenException(log);
                }
                throw new IllegalStateException("pdns_server exited with "
                        + process.exitValue() + ":\n" + log);
            }
            pending.removeIf(this::answers);
            if (!apiReady) {
                try {
                    apiReady = api("GET", "/api/v1/servers/localhost", null).statusCode() == 200;
                } catch (UncheckedIOException notYet) {
                    // Not listening yet.
                }
            }
            if (pending.isEmpty() && apiReady) {
                break;
            }
            if (System.nanoTime() > deadline) {
                var log = log();
                close();
                throw new IllegalStateException("pdns_server did not serve " + pending
                        + (apiReady ? "" : " nor its API") + " within "
                        + START_TIMEOUT.toSeconds() + " s:\n" + log);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private boolean answers(String zone) {
        try {
            var query = Message.newQuery(Record.newRecord(Name.fromString(zone, Name.root),
                    Type.SOA, DClass.IN));
            var resolver = new SimpleResolver(new InetSocketAddress(
                    InetAddress.getLoopbackAddress(), dnsPort));
            resolver.setTimeout(Duration.ofMillis(200));
            var response = resolver.send(query);
            return response.getRcode() == Rcode.NOERROR
                    && !response.getSection(Section.ANSWER).isEmpty();
        } catch (TextParseException e) {
            throw new IllegalArgumentException(e);
        } catch (IOException notYet) {
            return false;
        }
    }

    private static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String log) {
            super("pdns_server could not bind its ports:\n" + log);
        }
    }
}
