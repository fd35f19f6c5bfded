package io.mailca.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real validating resolver for tests: Debian's {@code unbound} in the foreground, whose only
 * trust anchors are the DS records given here (a test zone's, from {@link KnotServer#ds}) and
 * which asks the given stub servers (Knot on loopback) for their zones. Secure answers carry
 * the AD bit (RFC 4035 §3.2.3): what a DANE-checking sending MTA's resolver says.
 *
 * <p>It caches nothing ({@code cache-max-ttl: 0}): tests change a zone and ask again at once,
 * and MailCA's rollover rule (2×TTL) is tested with explicit time, not with this cache.
 *
 * <pre>{@code
 * try (var unbound = UnboundServer.builder()
 *         .trustAnchor(knot.ds("example.test"))
 *         .stubZone("example.test", knot.port())
 *         .start()) {
 *     unbound.address();  // 127.0.0.1:PORT
 * }
 * }</pre>
 */
public final class UnboundServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final Path dir;
    private final InetSocketAddress listen;
    private final Process process;

    private UnboundServer(Path dir, InetSocketAddress listen, Process process) {
        this.dir = dir;
        this.listen = listen;
        this.process = process;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code address:port}, the form {@code mailca.dane.validating-resolver} takes. */
    public String address() {
        return listen.getAddress().getHostAddress() + ":" + listen.getPort();
    }

    public InetSocketAddress socketAddress() {
        return listen;
    }

    /** What unbound has logged so far, for a failing test's message. */
    public String log() {
        return Daemons.log(dir.resolve("unbound.log"));
    }

    @Override
    public void close() {
        Daemons.stop(process, Duration.ofSeconds(5));
        Daemons.deleteTree(dir);
    }

    /** Where to listen, whom to trust, whom to ask. */
    public static final class Builder {
        private InetAddress address = InetAddress.getLoopbackAddress();
        private int port;
        private final List<String> trustAnchors = new ArrayList<>();
        private final Map<String, String> stubs = new LinkedHashMap<>();

        private Builder() {
        }

        /** Listens on {@code address:port} instead of a free port of 127.0.0.1. */
        public Builder listen(InetAddress address, int port) {
            this.address = address;
            this.port = port;
            return this;
        }

        /** A DS record in presentation form, e.g. from {@link KnotServer#ds}. */
        public Builder trustAnchor(String ds) {
            trustAnchors.add(ds.trim());
            return this;
        }

        /** Asks the server on 127.0.0.1:{@code port} (Knot) for {@code zone}. */
        public Builder stubZone(String zone, int port) {
            stubs.put(zone, "127.0.0.1@" + port);
            return this;
        }

        /** Starts unbound and returns once it answers for the first stub zone. */
        public UnboundServer start() {
            if (stubs.isEmpty()) {
                throw new IllegalStateException("a test resolver needs a stub zone to ask");
            }
            try {
                var dir = Files.createTempDirectory("unbound-");
                var listen = new InetSocketAddress(address, port != 0 ? port : freePort());
                Files.writeString(dir.resolve("unbound.conf"), config(dir, listen));
                Process process;
                try {
                    process = new ProcessBuilder("unbound", "-d", "-c",
                            dir.resolve("unbound.conf").toString()).redirectErrorStream(true)
                            .redirectOutput(dir.resolve("unbound.log").toFile()).start();
                } catch (IOException e) {
                    throw new IllegalStateException("unbound is not installed or not on PATH:"
                            + " apt-get install unbound", e);
                }
                var server = new UnboundServer(dir, listen, process);
                server.awaitAnswer(stubs.keySet().iterator().next());
                return server;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private String config(Path dir, InetSocketAddress listen) {
            var c = new StringBuilder("server:\n")
                    .append("  interface: ").append(listen.getAddress().getHostAddress())
                    .append("\n  port: ").append(listen.getPort()).append('\n')
                    .append("  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n")
                    .append("  directory: \"").append(dir).append("\"\n  pidfile: \"\"\n")
                    .append("  use-syslog: no\n  logfile: \"\"\n  num-threads: 1\n")
                    .append("  do-ip6: no\n  do-not-query-localhost: no\n")
                    .append("  module-config: \"validator iterator\"\n  val-log-level: 2\n")
                    .append("  cache-max-ttl: 0\n  cache-max-negative-ttl: 0\n")
                    // unbound answers the special-use name test. itself (RFC 6761) unless told.
                    .append("  local-zone: \"test.\" nodefault\n");
            trustAnchors.forEach(ds -> c.append("  trust-anchor: \"").append(ds).append("\"\n"));
            stubs.forEach((zone, server) -> c.append("stub-zone:\n  name: \"").append(zone)
                    .append("\"\n  stub-addr: ").append(server).append('\n'));
            return c.toString();
        }

        private static int freePort() throws IOException {
            try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            }
        }
    }

    private void awaitAnswer(String zone) {
        var deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                var log = log();
                close();
                throw new IllegalStateException("unbound exited with " + process.exitValue()
                        + ":\n" + log);
            }
            try {
                var resolver = new SimpleResolver(listen);
                resolver.setTimeout(Duration.ofMillis(500));
                var response = resolver.send(Message.newQuery(Record.newRecord(
                        Name.fromString(zone, Name.root), Type.SOA, DClass.IN)));
                if (response.getRcode() == Rcode.NOERROR) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        var log = log();
        close();
        throw new IllegalStateException("unbound did not answer for " + zone + " within "
                + START_TIMEOUT.toSeconds() + " s:\n" + log);
    }
}
