package io.mailca.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mail hosts' side of http-01 (RFC 8555 §8.3) for every benchmark client: a JDK
 * {@code HttpServer} on the loopback port MailCA validates against, answering
 * {@code /.well-known/acme-challenge/TOKEN} with the key authorization a client registered.
 * The benchmark's DNS zone points every mail host name at 127.0.0.1, so this one server
 * stands for all of them.
 */
final class Http01Answers implements AutoCloseable {
    private static final String PREFIX = "/.well-known/acme-challenge/";

    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private final AtomicLong served = new AtomicLong();
    private final HttpServer server;
    private final ExecutorService executor;

    Http01Answers(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                256);
        executor = Executors.newFixedThreadPool(8, runnable -> {
            var thread = new Thread(runnable, "http-01-answers");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    void answer(String token, String keyAuthorization) {
        answers.put(token, keyAuthorization);
    }

    void forget(String token) {
        answers.remove(token);
    }

    /** How many challenge requests were answered with a key authorization. */
    long served() {
        return served.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            var path = exchange.getRequestURI().getPath();
            var answer = path.startsWith(PREFIX)
                    ? answers.get(path.substring(PREFIX.length())) : null;
            if (answer == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            var body = answer.getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            served.incrementAndGet();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
