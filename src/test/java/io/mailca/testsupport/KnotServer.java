package io.mailca.testsupport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Master;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

/**
 * A real Knot DNS server for tests: {@code knotd} in the foreground as a child process, on a free
 * loopback port, in a temporary directory, serving zones given as zone-file text.
 *
 * <p>Each zone accepts RFC 2136 updates signed with the server's TSIG key (hmac-sha256, RFC 8945),
 * keeps them in the journal only ({@code zonefile-sync: -1}, {@code journal-content: all}), and
 * may be DNSSEC-signed by Knot at load ({@code dnssec-signing: on}), so that TLSA publishing and
 * AD-bit checks can be tested against a signed zone.
 *
 * <pre>{@code
 * static KnotServer knot;
 *
 * @BeforeAll static void start() { knot = KnotServer.builder().exampleTest().start(); }
 * @AfterAll static void stop() { knot.close(); }
 *
 * knot.replace("example.test", "_acme-challenge.mx1 60 TXT \"abc\"");
 * new DnsClient(knot.address(), Duration.ofSeconds(2)).txt("_acme-challenge.mx1.example.test");
 * }</pre>
 *
 * <p>Needs the Debian packages {@code knot} and {@code knot-dnsutils}.
 */
public final class KnotServer implements AutoCloseable {

    /** The zone that end-to-end tests use: a mail host {@code mx1} on the loopback address. */
    public static final String EXAMPLE_TEST = "example.test";

    private static final String KNOTD = "knotd";
    private static final String KDIG = "kdig";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final Path dir;
    private final int port;
    private final String tsigKeyName;
    private final String tsigSecret;
    private final Process process;
    private final Thread killOnExit;

    private KnotServer(Path dir, int port, String tsigKeyName, String tsigSecret,
            Process process) {
        this.dir = dir;
        this.port = port;
        this.tsigKeyName = tsigKeyName;
        this.tsigSecret = tsigSecret;
        this.process = process;
        this.killOnExit = new Thread(process::destroyForcibly, "knotd-kill");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** A builder without zones. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The SOA and NS records a zone needs, for writing zone text: {@code soa("example.test") +
     * "mx1 A 127.0.0.1\n"}.
     */
    public static String soa(String zone) {
        return "$ORIGIN " + zone + ".\n"
                + "$TTL 60\n"
                + "@ SOA ns1 hostmaster 1 3600 600 86400 60\n"
                + "@ NS ns1\n"
                + "ns1 A 127.0.0.1\n";
    }

    /** The loopback port Knot listens on, UDP and TCP. */
    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:port}, the form {@code mailca.dns.resolver} takes. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** The TSIG key name, absolute (with the trailing dot). */
    public String tsigKeyName() {
        return tsigKeyName;
    }

    /** The TSIG secret, base64 as in a Knot or BIND configuration. */
    public String tsigSecret() {
        return tsigSecret;
    }

    /** The TSIG algorithm name, as RFC 8945 §6 writes it. */
    public String tsigAlgorithm() {
        return "hmac-sha256";
    }

    /** The Knot configuration file, for {@code keymgr -c} (e.g. {@code keymgr -c F zone ds}). */
    public Path configFile() {
        return dir.resolve("knot.conf");
    }

    /**
     * Replaces the RRsets named in {@code records} (zone-file lines relative to {@code zone}, such
     * as {@code "mx1 60 A 127.0.0.2"}) by the given records, in one TSIG-signed update
     * (RFC 2136 §2.5.2 then §2.5.1).
     */
    public void replace(String zone, String... records) {
        var update = new Update(absolute(zone));
        var seen = new LinkedHashMap<String, Record>();
        for (var r : parse(zone, records)) {
            // Delete each RRset once, then add every record, so that several lines build one set.
            if (seen.putIfAbsent(r.getName() + "/" + r.getType(), r) == null) {
                update.delete(r.getName(), r.getType());
            }
        }
        for (var r : parse(zone, records)) {
            update.add(r);
        }
        send(update);
    }

    /**
     * Adds records (zone-file lines relative to {@code zone}) to their RRsets (RFC 2136 §2.5.1).
     */
    public void add(String zone, String... records) {
        var update = new Update(absolute(zone));
        parse(zone, records).forEach(update::add);
        send(update);
    }

    /**
     * Deletes the given records (zone-file lines relative to {@code zone}) from their RRsets,
     * leaving the RRsets' other records (RFC 2136 §2.5.4).
     */
    public void remove(String zone, String... records) {
        var update = new Update(absolute(zone));
        parse(zone, records).forEach(update::delete);
        send(update);
    }

    /** Deletes the RRset of {@code type} at {@code name} (relative to {@code zone}). */
    public void delete(String zone, String name, int type) {
        var update = new Update(absolute(zone));
        try {
            update.delete(Name.fromString(name, absolute(zone)), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        send(update);
    }

    /** Sends an update built by the caller, TSIG-signed; fails unless the RCODE is NOERROR. */
    public Message send(Update update) {
        var resolver = resolver();
        resolver.setTSIGKey(new TSIG(TSIG.HMAC_SHA256, tsigKeyName, tsigSecret));
        try {
            var response = resolver.send(update);
            if (response.getRcode() != Rcode.NOERROR) {
                throw new IllegalStateException("Knot refused the update: "
                        + Rcode.string(response.getRcode()) + "\n" + update);
            }
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asks Knot directly (it is authoritative: no recursion, no AD bit). */
    public Message query(String name, int type) {
        try {
            var query = Message.newQuery(
                    Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN));
            return resolver().send(query);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The TLSA RRset served at {@code owner}, one {@code "U S M hex"} line each, hex in lower
     * case, sorted: kdig splits long hex into words, which this joins again.
     */
    public List<String> tlsa(String owner) {
        var result = new ArrayList<String>();
        for (var line : kdig("+short", owner, "TLSA").split("\n")) {
            if (!line.isBlank()) {
                var parts = line.trim().split("\\s+", 4);
                result.add(parts[0] + " " + parts[1] + " " + parts[2] + " "
                        + parts[3].replaceAll("\\s", "").toLowerCase(Locale.ROOT));
            }
        }
        result.sort(null);
        return result;
    }

    /**
     * Runs {@code kdig @127.0.0.1 -p PORT args...} and returns its standard output, for example
     * {@code kdig("+short", "mx1.example.test", "A")} or {@code kdig("+dnssec", ...)}.
     */
    public String kdig(String... args) {
        var command = new ArrayList<>(List.of(KDIG, "@127.0.0.1", "-p", String.valueOf(port)));
        command.addAll(List.of(args));
        try {
            var p = new ProcessBuilder(command).redirectErrorStream(true).start();
            var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kdig failed: " + command + "\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(missing(KDIG, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The DS record (RFC 4034 §5) of a signed zone's key-signing key, as
     * {@code keymgr -c CONF ZONE ds} prints it with SHA-256 (digest type 2): what a parent
     * zone would publish, and what a validating resolver takes as the zone's trust anchor.
     */
    public String ds(String zone) {
        var command = List.of("keymgr", "-c", configFile().toString(), zone, "ds");
        try {
            var p = new ProcessBuilder(command).redirectErrorStream(true).start();
            var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keymgr failed: " + command + "\n" + out);
            }
            return out.lines().filter(l -> l.matches(".*\\sDS\\s+\\d+\\s+\\d+\\s+2\\s.*"))
                    .findFirst().orElseThrow(() -> new IllegalStateException(
                            "no SHA-256 DS for " + zone + " (is it signed?):\n" + out)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(missing("keymgr", e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What knotd has logged so far, for a failing test's message. */
    public String log() {
        return Daemons.log(dir.resolve("knotd.log"));
    }

    /** Stops knotd and removes its directory. */
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

    private SimpleResolver resolver() {
        var resolver = new SimpleResolver(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                port));
        resolver.setTimeout(Duration.ofSeconds(3));
        return resolver;
    }

    private static List<Record> parse(String zone, String... lines) {
        var text = String.join("\n", lines) + "\n";
        var result = new ArrayList<Record>();
        var in = new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
        try (var master = new Master(in, absolute(zone), 60)) {
            Record r;
            while ((r = master.nextRecord()) != null) {
                result.add(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    private static Name absolute(String zone) {
        try {
            return Name.fromString(zone, Name.root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static IOException missing(String program, IOException cause) {
        return new IOException(program + " is not installed or not on PATH: "
                + "apt-get install knot knot-dnsutils", cause);
    }

    /** Zones and options of a server to start. */
    public static final class Builder {

        private final Map<String, String> zones = new LinkedHashMap<>();
        private final Map<String, Boolean> signed = new LinkedHashMap<>();
        private String tsigKeyName = "mailca-test.";
        private int fixedPort;
        private String fixedSecret;

        private Builder() {
        }

        /**
         * Listens on {@code port} rather than a free one, so a test can stop the server and
         * start another where a running MailCA already looks.
         */
        public Builder port(int port) {
            this.fixedPort = port;
            return this;
        }

        /** Uses this TSIG secret (base64) rather than a random one. */
        public Builder tsigSecret(String base64) {
            this.fixedSecret = base64;
            return this;
        }

        /** Adds an unsigned zone; {@code text} is a zone file, see {@link KnotServer#soa}. */
        public Builder zone(String origin, String text) {
            zones.put(origin, text);
            signed.put(origin, false);
            return this;
        }

        /** Adds a zone that Knot signs with DNSSEC at load (and re-signs after each update). */
        public Builder signedZone(String origin, String text) {
            zones.put(origin, text);
            signed.put(origin, true);
            return this;
        }

        /** Adds {@value #EXAMPLE_TEST} with {@code mx1.example.test A 127.0.0.1}, unsigned. */
        public Builder exampleTest() {
            return zone(EXAMPLE_TEST, soa(EXAMPLE_TEST) + "mx1 A 127.0.0.1\n");
        }

        /** Names the TSIG key (default {@code mailca-test.}). */
        public Builder tsigKeyName(String name) {
            this.tsigKeyName = name.endsWith(".") ? name : name + ".";
            return this;
        }

        /**
         * Starts knotd and returns once it answers SOA queries for every zone.
         *
         * @throws IllegalStateException when knotd is missing, exits, or does not answer in time
         */
        public KnotServer start() {
            if (zones.isEmpty()) {
                throw new IllegalStateException("a Knot server needs at least one zone");
            }
            var secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            var base64 = fixedSecret != null ? fixedSecret
                    : Base64.getEncoder().encodeToString(secret);
            if (fixedPort != 0) {
                return startOnce(fixedPort, base64);
            }
            IllegalStateException last = null;
            // The free port is found by binding and releasing it; another process may take it
            // in between, so a failed start is tried again on a new port.
            for (var attempt = 0; attempt < 3; attempt++) {
                try {
                    return startOnce(freePort(), base64);
                } catch (PortTakenException e) {
                    last = e;
                }
            }
            throw last;
        }

        private KnotServer startOnce(int port, String secret) {
            Path dir;
            try {
                dir = Files.createTempDirectory("knot-");
                Files.createDirectories(dir.resolve("storage"));
                Files.createDirectories(dir.resolve("zones"));
                Files.createDirectories(dir.resolve("run"));
                for (var zone : zones.entrySet()) {
                    Files.writeString(dir.resolve("zones").resolve(zone.getKey() + ".zone"),
                            zone.getValue());
                }
                Files.writeString(dir.resolve("knot.conf"), config(dir, port, secret));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }

            Process process;
            try {
                process = new ProcessBuilder(KNOTD, "-c", dir.resolve("knot.conf").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("knotd.log").toFile())
                        .start();
            } catch (IOException e) {
                Daemons.deleteTree(dir);
                throw new IllegalStateException(missing(KNOTD, e).getMessage(), e);
            }
            var server = new KnotServer(dir, port, tsigKeyName, secret, process);
            server.awaitAnswers(zones.keySet());
            return server;
        }

        private String config(Path dir, int port, String secret) {
            var c = new StringBuilder();
            c.append("server:\n")
                    .append("    rundir: \"").append(dir.resolve("run")).append("\"\n")
                    .append("    listen: 127.0.0.1@").append(port).append('\n')
                    .append("    udp-workers: 1\n")
                    .append("    tcp-workers: 1\n")
                    .append("    background-workers: 1\n")
                    .append("log:\n")
                    .append("  - target: stderr\n")
                    .append("    any: info\n")
                    .append("database:\n")
                    .append("    storage: \"").append(dir.resolve("storage")).append("\"\n")
                    .append("key:\n")
                    .append("  - id: ").append(tsigKeyName).append('\n')
                    .append("    algorithm: hmac-sha256\n")
                    .append("    secret: ").append(secret).append('\n')
                    .append("acl:\n")
                    .append("  - id: tsig-update\n")
                    .append("    key: ").append(tsigKeyName).append('\n')
                    .append("    action: update\n")
                    .append("template:\n")
                    .append("  - id: default\n")
                    .append("    storage: \"").append(dir.resolve("zones")).append("\"\n")
                    .append("    file: \"%s.zone\"\n")
                    .append("    zonefile-sync: -1\n")
                    .append("    zonefile-load: whole\n")
                    .append("    journal-content: all\n")
                    .append("    acl: tsig-update\n")
                    .append("zone:\n");
            for (var zone : zones.keySet()) {
                c.append("  - domain: ").append(zone).append('\n');
                if (signed.get(zone)) {
                    c.append("    dnssec-signing: on\n");
                }
            }
            return c.toString();
        }

        private static int freePort() {
            for (var i = 0; i < 20; i++) {
                try (var tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    var port = tcp.getLocalPort();
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
            throw new IllegalStateException("no free loopback port for knotd");
        }
    }

    private void awaitAnswers(Iterable<String> zones) {
        var deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        for (var zone : zones) {
            while (true) {
                if (!process.isAlive()) {
                    var log = log();
                    close();
                    if (log.contains("Address already in use")) {
                        throw new PortTakenException(log);
                    }
                    throw new IllegalStateException("knotd exited with " + process.exitValue()
                            + ":\n" + log);
                }
                try {
                    var query = Message.newQuery(
                            Record.newRecord(absolute(zone), Type.SOA, DClass.IN));
                    var resolver = resolver();
                    resolver.setTimeout(Duration.ofMillis(200));
                    var response = resolver.send(query);
                    if (response.getRcode() == Rcode.NOERROR
                            && !response.getSection(Section.ANSWER).isEmpty()) {
                        break;
                    }
                } catch (IOException notYet) {
                    // Not listening yet.
                }
                if (System.nanoTime() > deadline) {
                    var log = log();
                    close();
                    throw new IllegalStateException("knotd did not serve " + zone + " within "
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
    }

    private static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String log) {
            super("knotd could not bind its port:\n" + log);
        }
    }
}
