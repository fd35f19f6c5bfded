package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.function.Predicate;

/**
 * ACME over plain {@code java.net.http}, trusting the server through the JVM's default TLS
 * context that {@link AcmeTestServers} installs. It fetches a nonce for every POST and checks
 * what RFC 8555 §6.5 asks of every error answer to a POST: a fresh {@code Replay-Nonce}.
 */
final class AcmeHttp {
    static final String BASE = AcmeTestServers.acmeBase();
    static final String DIRECTORY = AcmeTestServers.directory();
    static final String NEW_NONCE = BASE + "/new-nonce";
    static final String NEW_ACCOUNT = BASE + "/new-account";
    static final String NEW_ORDER = BASE + "/new-order";
    static final String REVOKE_CERT = BASE + "/revoke-cert";
    static final String KEY_CHANGE = BASE + "/key-change";
    static final String ERROR = "urn:ietf:params:acme:error:";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(20);

    private static HttpClient client;

    private AcmeHttp() {
    }

    /** An answer, with the raw header values kept for exact checks. */
    record Reply(int status, Map<String, List<String>> headers, String body) {
        /** The one value of a header, or null; fails when the header repeats. */
        String header(String name) {
            var values = headers(name);
            assertThat(values).as("header %s", name).hasSizeLessThanOrEqualTo(1);
            return values.isEmpty() ? null : values.get(0);
        }

        List<String> headers(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).toList();
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (HTTP " + status + "): " + body, e);
            }
        }

        String problemType() {
            return json().path("type").asText(null);
        }

        String location() {
            return header("Location");
        }

        @Override
        public String toString() {
            return "HTTP " + status + " " + headers + "\n" + body;
        }
    }

    /** An account as tests hold it: its key and its URL ({@code kid}). */
    record Account(AccountKey key, String url) {
        Reply post(String target, String payload) {
            return AcmeHttp.post(target, key.signWithKid(url, target, nonce(), payload));
        }

        Reply postAsGet(String target) {
            return post(target, "");
        }
    }

    static synchronized HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                    .followRedirects(HttpClient.Redirect.NEVER).build();
        }
        return client;
    }

    static Reply send(HttpRequest request) {
        try {
            var response = client().send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers().map(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Reply get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET().build());
    }

    static Reply head(String url) {
        return send(HttpRequest.newBuilder(URI.create(url))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    }

    /** A fresh nonce from newNonce (§7.2). */
    static String nonce() {
        var reply = head(NEW_NONCE);
        assertThat(reply.status()).as("newNonce").isEqualTo(200);
        return reply.header("Replay-Nonce");
    }

    /** POSTs a JWS; any 4xx must carry a fresh nonce (§6.5). */
    static Reply post(String url, String jws) {
        var reply = send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/jose+json")
                .POST(HttpRequest.BodyPublishers.ofString(jws)).build());
        if (reply.status() >= 400 && reply.status() < 500) {
            assertThat(reply.header("Replay-Nonce"))
                    .as("Replay-Nonce of a %d answer to POST %s", reply.status(), url)
                    .isNotBlank();
        }
        return reply;
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Registers a new account for {@code key} (§7.3) and fails unless it is created. */
    static Account register(AccountKey key) {
        var reply = post(NEW_ACCOUNT, key.signWithJwk(NEW_ACCOUNT, nonce(),
                "{\"termsOfServiceAgreed\":true}"));
        assertThat(reply.status()).as("newAccount: %s", reply).isEqualTo(201);
        return new Account(key, reply.location());
    }

    static Account register() {
        return register(AccountKey.es256());
    }

    /** The payload of a newOrder for dns names (§7.4). */
    static String orderPayload(String... names) {
        var identifiers = java.util.Arrays.stream(names)
                .map(n -> Map.of("type", "dns", "value", n)).toList();
        return json(Map.of("identifiers", identifiers));
    }

    /** Places an order and fails unless it is created. */
    static Reply newOrder(Account account, String... names) {
        var reply = account.post(NEW_ORDER, orderPayload(names));
        assertThat(reply.status()).as("newOrder %s: %s", List.of(names), reply).isEqualTo(201);
        return reply;
    }

    /**
     * Answers the http-01 challenge of an authorization and triggers it (§7.5.1, §8.3); returns
     * the challenge object as the trigger answered it.
     */
    static Reply triggerHttp01(Account account, String authorizationUrl) {
        var authz = account.postAsGet(authorizationUrl).json();
        var challenge = challengeOf(authz, "http-01");
        var token = challenge.get("token").asText();
        Http01Responder.serve(token, token + "." + account.key().thumbprint());
        var reply = account.post(challenge.get("url").asText(), "{}");
        assertThat(reply.status()).as("challenge trigger: %s", reply).isEqualTo(200);
        return reply;
    }

    static JsonNode challengeOf(JsonNode authz, String type) {
        for (var challenge : authz.get("challenges")) {
            if (type.equals(challenge.get("type").asText())) {
                return challenge;
            }
        }
        throw new AssertionError("no " + type + " challenge in " + authz);
    }

    /** Polls {@code url} (POST-as-GET) until the object's answer satisfies {@code done}. */
    static Reply pollUntil(Account account, String url, Predicate<JsonNode> done) {
        var deadline = System.nanoTime() + POLL_TIMEOUT.toNanos();
        while (true) {
            var reply = account.postAsGet(url);
            assertThat(reply.status()).as("polling %s: %s", url, reply).isEqualTo(200);
            if (done.test(reply.json())) {
                return reply;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting on " + url + ": " + reply);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    static Predicate<JsonNode> statusIsNot(String status) {
        return node -> !status.equals(node.path("status").asText());
    }

    /** An order for {@code names} whose authorizations are all valid: it reads ready. */
    static Reply readyOrder(Account account, String... names) {
        var order = newOrder(account, names);
        var orderUrl = order.location();
        for (var authz : order.json().get("authorizations")) {
            var authzUrl = authz.asText();
            if ("valid".equals(account.postAsGet(authzUrl).json().get("status").asText())) {
                continue;
            }
            triggerHttp01(account, authzUrl);
            var done = pollUntil(account, authzUrl, statusIsNot("pending"));
            assertThat(done.json().get("status").asText()).as("authorization %s", done)
                    .isEqualTo("valid");
        }
        var ready = account.postAsGet(orderUrl);
        assertThat(ready.json().get("status").asText()).as("order %s", ready)
                .isEqualTo("ready");
        return ready;
    }
}
