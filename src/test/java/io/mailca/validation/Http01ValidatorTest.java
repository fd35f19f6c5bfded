package io.mailca.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.mailca.dns.DnsClient;
import io.mailca.testsupport.KnotServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Http01ValidatorTest {

    private static final String KEY_AUTH = "tok_en-1.Z8vq0hNmNkOe2hA5dT8WzXkT1yPpGm0b9oOqQm6eW3c";
    private static final String WELL_KNOWN = "/.well-known/acme-challenge/";
    private static final Duration TIMEOUT = Duration.ofMillis(1500);

    private static KnotServer knot;
    private static DnsClient dns;
    private static HttpServer http;
    private static int port;
    private static Http01Validator validator;
    private static final Map<String, String> hostHeaders = new ConcurrentHashMap<>();
    private static final List<Socket> held = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        knot = KnotServer.builder().zone("example.test", KnotServer.soa("example.test") + """
                mx1 A 127.0.0.1
                other A 127.0.0.1
                alias CNAME mx1
                meta A 169.254.169.254
                empty TXT "no address here"
                """).start();
        dns = new DnsClient(knot.address(), Duration.ofSeconds(2));

        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.setExecutor(Executors.newCachedThreadPool(r -> {
            var t = new Thread(r, "test-http");
            t.setDaemon(true);
            return t;
        }));
        http.createContext("/", Http01ValidatorTest::handle);
        http.start();
        port = http.getAddress().getPort();
        validator = new Http01Validator(dns, port, TIMEOUT, Duration.ofSeconds(1), true);
    }

    @AfterAll
    static void stop() throws IOException {
        if (validator != null) {
            validator.close();
        }
        if (http != null) {
            http.stop(0);
        }
        for (var s : held) {
            s.close();
        }
        if (knot != null) {
            knot.close();
        }
    }

    private static void handle(HttpExchange exchange) throws IOException {
        var path = exchange.getRequestURI().getPath();
        var token = path.startsWith(WELL_KNOWN) ? path.substring(WELL_KNOWN.length()) : path;
        hostHeaders.put(path, exchange.getRequestHeaders().getFirst("Host"));
        var base = "http://other.example.test:" + port;
        switch (token) {
            case "good", "/final" -> send(exchange, 200, KEY_AUTH + " \r\n\t\n");
            case "wrong" -> send(exchange, 200, "not\u0001the key authorization");
            case "chain" -> redirect(exchange, 302, base + "/r1");
            case "/r1" -> redirect(exchange, 301, "/r2?x=1");
            case "/r2" -> redirect(exchange, 307, "HTTP://Other.Example.Test:" + port + "/final");
            case "loop" -> redirect(exchange, 302, "/loop2");
            case "/loop2" -> redirect(exchange, 308, WELL_KNOWN + "loop");
            case "badport" -> redirect(exchange, 302, "http://mx1.example.test:8081/final");
            case "httpsport" -> redirect(exchange, 302, "https://mx1.example.test:8443/final");
            case "ip" -> redirect(exchange, 302, "http://127.0.0.1:" + port + "/final");
            case "ftp" -> redirect(exchange, 302, "ftp://mx1.example.test/final");
            case "nolocation" -> send(exchange, 302, "");
            case "big" -> send(exchange, 200, "x".repeat(Http01Validator.MAX_BODY + 1));
            case "slow" -> drip(exchange);
            case "gigabyte" -> gigabyte(exchange);
            default -> {
                if (token.equals("many") || token.startsWith("/many-")) {
                    var n = token.equals("many") ? 0 : Integer.parseInt(token.substring(6));
                    redirect(exchange, 302, "/many-" + (n + 1));
                } else {
                    send(exchange, 404, "not found");
                }
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        var bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void redirect(HttpExchange exchange, int status, String location)
            throws IOException {
        exchange.getResponseHeaders().set("Location", location);
        send(exchange, status, "");
    }

    /** Bytes of the 1 GiB body the server managed to send before the client hung up. */
    private static final java.util.concurrent.atomic.AtomicLong gigabyteSent =
            new java.util.concurrent.atomic.AtomicLong();

    /** A declared and streamed 1 GiB body, sent as fast as the client reads it. */
    private static void gigabyte(HttpExchange exchange) throws IOException {
        var size = 1L << 30;
        var chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'x');
        exchange.sendResponseHeaders(200, size);
        try (var out = exchange.getResponseBody()) {
            for (long sent = 0; sent < size; sent += chunk.length) {
                out.write(chunk);
                gigabyteSent.addAndGet(chunk.length);
            }
        } catch (IOException hungUp) {
            // The client stopped reading: what this test wants.
        }
    }

    /** Headers at once, then a byte every 100 ms: no read ever times out, the whole does. */
    private static void drip(HttpExchange exchange) throws IOException {
        exchange.sendResponseHeaders(200, 0);
        try (var out = exchange.getResponseBody()) {
            for (var i = 0; i < 100; i++) {
                out.write('x');
                out.flush();
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Stream<Arguments> cases() {
        var mx1 = "http://mx1.example.test:" + port;
        var other = "http://other.example.test:" + port;
        return Stream.of(
                Arguments.of("ok/body with trailing whitespace", "mx1.example.test", "good",
                        ValidationOutcome.success()),
                Arguments.of("ok/host through a cname", "alias.example.test", "good",
                        ValidationOutcome.success()),
                Arguments.of("ok/upper-case identifier", "MX1.example.test", "good",
                        ValidationOutcome.success()),
                Arguments.of("ok/three redirects across hosts", "mx1.example.test", "chain",
                        ValidationOutcome.success()),
                Arguments.of("fail/wrong body", "mx1.example.test", "wrong",
                        ValidationOutcome.invalid("incorrectResponse", "The key authorization"
                                + " file from " + mx1 + WELL_KNOWN + "wrong did not match this"
                                + " challenge: expected \"" + KEY_AUTH + "\" (got \"not?the key"
                                + " authorization\")")),
                Arguments.of("fail/not found", "mx1.example.test", "missing",
                        ValidationOutcome.invalid("unauthorized", "Invalid response from " + mx1
                                + WELL_KNOWN + "missing: HTTP 404")),
                Arguments.of("fail/body too large", "mx1.example.test", "big",
                        ValidationOutcome.invalid("unauthorized", "Invalid response from " + mx1
                                + WELL_KNOWN + "big: the body is larger than 8192 bytes")),
                Arguments.of("fail/redirect loop", "mx1.example.test", "loop",
                        ValidationOutcome.invalid("connection", "Redirect loop: " + mx1
                                + "/loop2 redirects back to " + mx1 + WELL_KNOWN + "loop")),
                Arguments.of("fail/too many redirects", "mx1.example.test", "many",
                        ValidationOutcome.invalid("connection", "Too many redirects: more than"
                                + " 10, the last from " + mx1 + "/many-10")),
                Arguments.of("fail/redirect to a disallowed http port", "mx1.example.test",
                        "badport", ValidationOutcome.invalid("connection", "Invalid redirect"
                                + " from " + mx1 + WELL_KNOWN + "badport to"
                                + " http://mx1.example.test:8081/final: port 8081 is not allowed;"
                                + " only 80 for http (or " + port + ") and 443 for https")),
                Arguments.of("fail/redirect to a disallowed https port", "mx1.example.test",
                        "httpsport", ValidationOutcome.invalid("connection", "Invalid redirect"
                                + " from " + mx1 + WELL_KNOWN + "httpsport to"
                                + " https://mx1.example.test:8443/final: port 8443 is not allowed;"
                                + " only 80 for http (or " + port + ") and 443 for https")),
                Arguments.of("fail/redirect to an ip address", "mx1.example.test", "ip",
                        ValidationOutcome.invalid("connection", "Invalid redirect from " + mx1
                                + WELL_KNOWN + "ip to http://127.0.0.1:" + port + "/final:"
                                + " redirects to IP addresses are not followed")),
                Arguments.of("fail/redirect to ftp", "mx1.example.test", "ftp",
                        ValidationOutcome.invalid("connection", "Invalid redirect from " + mx1
                                + WELL_KNOWN + "ftp to ftp://mx1.example.test/final: only http"
                                + " and https URLs are followed")),
                Arguments.of("fail/redirect without location", "mx1.example.test",
                        "nolocation", ValidationOutcome.invalid("connection", "Invalid response"
                                + " from " + mx1 + WELL_KNOWN + "nolocation: HTTP 302 without a"
                                + " Location header")),
                Arguments.of("fail/slow body ends at the time limit", "mx1.example.test", "slow",
                        ValidationOutcome.invalid("connection", "Fetching " + mx1 + WELL_KNOWN
                                + "slow: no complete answer within the time limit")),
                Arguments.of("fail/nxdomain", "nope.example.test", "good",
                        ValidationOutcome.invalid("dns", "DNS problem: NXDOMAIN looking up A for"
                                + " nope.example.test - check that a DNS record exists for this"
                                + " name")),
                Arguments.of("fail/no address records", "empty.example.test", "good",
                        ValidationOutcome.invalid("dns",
                                "No valid A or AAAA records found for empty.example.test")),
                Arguments.of("fail/link-local address", "meta.example.test", "good",
                        ValidationOutcome.invalid("connection", "meta.example.test has only"
                                + " loopback, link-local or other addresses that are not"
                                + " contacted for validation")),
                Arguments.of("fail/ip identifier", "127.0.0.1", "good",
                        ValidationOutcome.invalid("malformed", "\"127.0.0.1\" is not a domain"
                                + " name that http-01 can validate")),
                Arguments.of("fail/token with a path", "mx1.example.test", "../admin",
                        ValidationOutcome.invalid("malformed",
                                "The challenge token is not a base64url string")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void validate(String name, String domain, String token, ValidationOutcome expected) {
        var started = System.nanoTime();

        var outcome = validator.validate(domain, token, KEY_AUTH);

        assertThat(outcome).isEqualTo(expected);
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(TIMEOUT.plusSeconds(1));
    }

    @Test
    void sendsTheIdentifierAsHostHeader() {
        assertThat(validator.validate("mx1.example.test", "good", KEY_AUTH).valid()).isTrue();

        assertThat(hostHeaders.get(WELL_KNOWN + "good")).isEqualTo("mx1.example.test");
    }

    @Test
    void refusesLoopbackUnlessAllowed() {
        try (var strict = new Http01Validator(dns, port, TIMEOUT, Duration.ofSeconds(1), false)) {
            assertThat(strict.validate("mx1.example.test", "good", KEY_AUTH)).isEqualTo(
                    ValidationOutcome.invalid("connection", "mx1.example.test has only loopback,"
                            + " link-local or other addresses that are not contacted for"
                            + " validation"));
        }
    }

    @Test
    void serverThatNeverAnswersEndsWithinTheTimeLimit() throws IOException {
        try (var silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // Accept connections and keep them open without a byte of answer.
            var acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        synchronized (held) {
                            held.add(silent.accept());
                        }
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            var started = System.nanoTime();

            try (var v = new Http01Validator(dns, silent.getLocalPort(), Duration.ofSeconds(1),
                    Duration.ofSeconds(1), true)) {
                var outcome = v.validate("mx1.example.test", "good", KEY_AUTH);

                assertThat(outcome).isEqualTo(ValidationOutcome.invalid("connection",
                        "Fetching http://mx1.example.test:" + silent.getLocalPort() + WELL_KNOWN
                                + "good: no complete answer within the time limit"));
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void gigabyteBodyIsCutAtTheLimit() throws Exception {
        var started = System.nanoTime();

        var outcome = validator.validate("mx1.example.test", "gigabyte", KEY_AUTH);

        assertThat(outcome).isEqualTo(ValidationOutcome.invalid("unauthorized",
                "Invalid response from http://mx1.example.test:" + port + WELL_KNOWN
                        + "gigabyte: the body is larger than 8192 bytes"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT);
        Thread.sleep(200);
        // The connection was dropped, not drained for reuse: far less than 1 GiB went out.
        assertThat(gigabyteSent.get()).isLessThan(64L << 20);
    }

    @Test
    void refusedConnectionIsAConnectionProblem() throws IOException {
        int closedPort;
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (var v = new Http01Validator(dns, closedPort, TIMEOUT, Duration.ofSeconds(1), true)) {
            assertThat(v.validate("mx1.example.test", "good", KEY_AUTH)).isEqualTo(
                    ValidationOutcome.invalid("connection", "Fetching http://mx1.example.test:"
                            + closedPort + WELL_KNOWN + "good: connection refused or"
                            + " unreachable"));
        }
    }
}
