package io.mailca.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mailca.registration.Operator;
import io.mailca.registration.Role;
import io.mailca.registration.TokenService;
import io.mailca.testsupport.AcmeTestServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A plain HTTPS client of the admin API for tests, and tokens of each role. */
public final class AdminHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();

    private AdminHttp() {
    }

    /** An answer of the admin API. */
    public record Reply(int status, Map<String, List<String>> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (HTTP " + status + "): " + body, e);
            }
        }

        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst().orElse(null);
        }

        @Override
        public String toString() {
            return "HTTP " + status + " " + headers + "\n" + body;
        }
    }

    /** {@code https://localhost:PORT/admin/v1}. */
    public static String base() {
        return "https://localhost:" + System.getProperty(AcmeTestServers.HTTPS_PORT_PROPERTY)
                + AdminPaths.ROOT;
    }

    /** A fresh token of a role, made through the service as the command line makes it. */
    public static String token(TokenService tokens, Role role) {
        return tokens.create(new Operator("test", Role.ADMIN), role, "test " + role.wireName(),
                null).token();
    }

    public static Reply get(String pathOrUrl, String token) {
        return send(request(pathOrUrl, token).GET().build());
    }

    public static Reply post(String pathOrUrl, String token, String body) {
        return send(request(pathOrUrl, token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public static Reply send(String method, String pathOrUrl, String token) {
        return send(request(pathOrUrl, token)
                .method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    private static HttpRequest.Builder request(String pathOrUrl, String token) {
        var url = pathOrUrl.startsWith("https://") ? pathOrUrl : base() + pathOrUrl;
        var builder = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private static Reply send(HttpRequest request) {
        try {
            var response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers().map(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
