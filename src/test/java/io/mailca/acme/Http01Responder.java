package io.mailca.acme;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.mailca.testsupport.AcmeTestServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The mail hosts' side of http-01 (RFC 8555 §8.3): a JDK {@code HttpServer} on the port MailCA
 * validates against, answering {@code /.well-known/acme-challenge/TOKEN} with the key
 * authorization a test registered. Knot resolves every test name to 127.0.0.1, so this one
 * server stands for all of them.
 */
final class Http01Responder {
    private static final String PREFIX = "/.well-known/acme-challenge/";

    /**
     * The answers live in system properties, one per token, and the server starts once per
     * JVM. A {@code @TestProfile} restarts Quarkus, which loads the test classes again in a
     * new class loader: static fields would hold a second map, and a second server could not
     * bind the port the first one holds. System properties are one per JVM.
     */
    private static final String ANSWER = "mailca.test.http01-answer.";
    private static final String STARTED = "mailca.test.http01-started";

    private Http01Responder() {
    }

    /** Answers {@code token} with {@code keyAuthorization} from now on. */
    static void serve(String token, String keyAuthorization) {
        System.setProperty(ANSWER + token, keyAuthorization);
        synchronized (System.getProperties()) {
            if (System.getProperty(STARTED) == null) {
                start();
                System.setProperty(STARTED, "true");
            }
        }
    }

    private static HttpServer start() {
        try {
            var http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    AcmeTestServers.http01Port()), 16);
            http.setExecutor(Executors.newFixedThreadPool(4, r -> {
                var t = new Thread(r, "http-01-responder");
                t.setDaemon(true);
                return t;
            }));
            http.createContext("/", Http01Responder::handle);
            http.start();
            return http;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            var path = exchange.getRequestURI().getPath();
            var answer = path.startsWith(PREFIX)
                    ? System.getProperty(ANSWER + path.substring(PREFIX.length())) : null;
            if (answer == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            var body = answer.getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }
}
