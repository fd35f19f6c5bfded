package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays the hostile request corpus ({@code src/test/resources/hostile/}, written by
 * {@link HostileCorpusGenerator}; the format is in docs/testing.md) against the running
 * server. Each case asserts its exact status and problem type (RFC 8555 §6.7); every case
 * asserts that the answer is no 5xx, carries no stack trace, and that the rows of the ACME
 * tables changed only as the case says.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class HostileCorpusTest {
    static final Path CORPUS = Path.of("src/test/resources/hostile");
    private static final List<String> TABLES = List.of("account", "acme_order", "authz",
            "challenge", "certificate");
    /** What a stack trace or an internal class name looks like in a body. */
    private static final Pattern LEAK = Pattern.compile(
            "Exception|\\bat (io|java|jdk|org|com|sun)\\.|\\tat |Caused by|io\\.mailca\\."
                    + "|org\\.hibernate|org\\.jboss|io\\.vertx|io\\.netty");
    private static final byte[] HMAC_KEY = "hostile-corpus-hmac-key-0123456789abcdef"
            .getBytes(StandardCharsets.US_ASCII);

    private static Fixtures fixtures;
    private static long started;
    private static int replayed;

    @Inject
    DataSource dataSource;

    static Stream<String> cases() throws IOException {
        try (var files = Files.walk(CORPUS)) {
            var names = files.filter(f -> f.toString().endsWith(".json"))
                    .map(f -> CORPUS.relativize(f).toString()).sorted().toList();
            assertThat(names).as("hostile corpus").hasSizeGreaterThanOrEqualTo(200);
            return names.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void replay(String name) throws Exception {
        if (fixtures == null) {
            fixtures = new Fixtures();
            started = System.nanoTime();
        }
        var testCase = AcmeHttp.JSON.readTree(CORPUS.resolve(name).toFile());
        var request = testCase.get("request");
        var expect = testCase.get("expect");
        var context = new Context(fixtures, request.path("target").asText("newOrder"));
        context.prepare(request);
        var before = counts();

        var reply = request.has("raw") ? sendRaw(context.fill(request.get("raw").asText()))
                : send(request, context);

        var after = counts();
        var why = name + " answered " + reply;
        assertThat(reply.status()).as(why).isLessThan(500).isEqualTo(expect.get("status").asInt());
        assertThat(LEAK.matcher(reply.body()).find()).as("leak in %s", why).isFalse();
        if (request.has("jws") && reply.status() >= 400) {
            assertThat(reply.header("Replay-Nonce")).as("nonce of %s", why).isNotBlank();
        }
        if (expect.path("nonce").asBoolean()) {
            assertThat(reply.header("Replay-Nonce")).as("nonce of %s", why).isNotBlank();
            assertThat(reply.header("Link")).as(why).endsWith("/acme/directory>;rel=\"index\"");
        }
        if (expect.hasNonNull("connection")) {
            assertThat(reply.header("Connection")).as(why)
                    .isEqualToIgnoringCase(expect.get("connection").asText());
        }
        if (expect.hasNonNull("type")) {
            assertThat(reply.header("Content-Type")).as(why).startsWith("application/problem+json");
            var type = expect.get("type").asText();
            assertThat(reply.json().path("type").asText())
                    .as(why).isEqualTo(type.contains(":") ? type : AcmeHttp.ERROR + type);
            assertThat(reply.json().path("status").asInt()).as(why).isEqualTo(reply.status());
        }
        var changes = new HashMap<String, Long>();
        for (var table : TABLES) {
            changes.put(table, (long) expect.path("changes").path(table).asInt(0));
        }
        var actual = new HashMap<String, Long>();
        for (var table : TABLES) {
            actual.put(table, after.get(table) - before.get(table));
        }
        assertThat(actual).as("rows changed by %s", name).isEqualTo(changes);
        replayed++;
    }

    @AfterAll
    static void tookLittleTime() {
        if (fixtures != null) {
            var seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("hostile corpus: %d cases in %.1f s%n", replayed, seconds);
        }
    }

    private Map<String, Long> counts() throws Exception {
        var sql = new StringBuilder("SELECT ");
        for (var i = 0; i < TABLES.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("(SELECT count(*) FROM ")
                    .append(TABLES.get(i)).append(")");
        }
        var map = new LinkedHashMap<String, Long>();
        try (var connection = dataSource.getConnection();
                var statement = connection.createStatement();
                var rows = statement.executeQuery(sql.toString())) {
            rows.next();
            for (var i = 0; i < TABLES.size(); i++) {
                map.put(TABLES.get(i), rows.getLong(i + 1));
            }
        }
        return map;
    }

    // --- fixtures: the accounts and objects the cases aim at -----------------------------

    /** What exists before any case runs: two accounts, orders in each state, a certificate. */
    static final class Fixtures {
        final AcmeHttp.Account account = AcmeHttp.register();
        final AcmeHttp.Account other = AcmeHttp.register();
        final Map<String, String> urls = new HashMap<>();
        final String certDer;

        Fixtures() {
            urls.put("newAccount", AcmeHttp.NEW_ACCOUNT);
            urls.put("newOrder", AcmeHttp.NEW_ORDER);
            urls.put("revokeCert", AcmeHttp.REVOKE_CERT);
            urls.put("keyChange", AcmeHttp.KEY_CHANGE);
            urls.put("newNonce", AcmeHttp.NEW_NONCE);
            urls.put("directory", AcmeHttp.DIRECTORY);
            urls.put("account", account.url());
            urls.put("kid", account.url());
            urls.put("otherKid", other.url());
            urls.put("unknownKid", AcmeHttp.BASE + "/acct/no-such-account");
            urls.put("orders", account.url() + "/orders");

            var pendingReply = AcmeHttp.newOrder(account, "mx-hostile-pending.example.test");
            var pending = pendingReply.json();
            urls.put("order", pendingReply.location());
            urls.put("pendingFinalize", pending.get("finalize").asText());
            var authz = pending.get("authorizations").get(0).asText();
            urls.put("authz", authz);
            urls.put("chall", AcmeHttp.challengeOf(account.postAsGet(authz).json(), "http-01")
                    .get("url").asText());

            var ready = AcmeHttp.readyOrder(account, HostileCorpusGenerator.ORDERED);
            urls.put("finalize", ready.json().get("finalize").asText());

            var issued = Issuance.issue(account, "mx-hostile-cert.example.test");
            certDer = AccountKey.base64url(issued.der());
            urls.put("cert", account.postAsGet(issued.orderUrl()).json().get("certificate")
                    .asText());
        }

        /** A new ready order for the CSR cases that should succeed. */
        String freshFinalize() {
            return AcmeHttp.readyOrder(account, HostileCorpusGenerator.ORDERED).json()
                    .get("finalize").asText();
        }
    }

    /** The values the placeholders of one case stand for. */
    static final class Context {
        private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-zA-Z0-9:]+)}");
        private final Fixtures fixtures;
        private final Map<String, String> values = new HashMap<>();
        final String url;

        Context(Fixtures fixtures, String target) {
            this.fixtures = fixtures;
            // A failed finalize must leave its order ready; a fresh one per case keeps one
            // case's mistake from showing up as another's orderNotReady.
            if (target.equals("finalize") || target.equals("freshFinalize")) {
                this.url = fixtures.freshFinalize();
            } else if (target.startsWith("/")) {
                var base = URI.create(AcmeHttp.BASE);
                this.url = base.getScheme() + "://" + base.getRawAuthority() + target;
            } else {
                this.url = fixtures.urls.get(target);
            }
        }

        /** Fetches what the case's text asks for before the database is counted. */
        void prepare(JsonNode request) {
            var text = request.toString();
            var matcher = PLACEHOLDER.matcher(text);
            while (matcher.find()) {
                value(matcher.group(1));
            }
        }

        String value(String name) {
            var known = values.get(name);
            if (known != null) {
                return known;
            }
            var value = switch (name) {
                case "url" -> url;
                case "nonce", "nonce2" -> AcmeHttp.nonce();
                case "usedNonce" -> usedNonce();
                case "certDer" -> fixtures.certDer;
                case "goodCsr" -> AccountKey.base64url(Issuance.csr(Issuance.certificateKey(),
                        HostileCorpusGenerator.ORDERED));
                case "host" -> URI.create(AcmeHttp.BASE).getAuthority();
                case "jwk", "accountJwk", "otherJwk" -> null;
                default -> {
                    if (name.startsWith("path:")) {
                        yield URI.create(fixtures.urls.get(name.substring(5))).getRawPath();
                    }
                    var target = fixtures.urls.get(name);
                    if (target == null) {
                        throw new IllegalArgumentException("unknown placeholder ${" + name + "}");
                    }
                    yield target;
                }
            };
            if (value != null) {
                values.put(name, value);
            }
            return value;
        }

        /** A nonce that a successful request has already consumed. */
        private String usedNonce() {
            var nonce = AcmeHttp.nonce();
            var account = fixtures.account;
            var reply = AcmeHttp.post(account.url(), account.key().signWithKid(account.url(),
                    account.url(), nonce, ""));
            assertThat(reply.status()).as("spending a nonce: %s", reply).isEqualTo(200);
            return nonce;
        }

        String fill(String text) {
            return fill(text, null);
        }

        /** Replaces placeholders; {@code ${jwk}} is the JSON of {@code signer}'s key. */
        String fill(String text, AccountKey signer) {
            var matcher = PLACEHOLDER.matcher(text);
            var out = new StringBuilder();
            while (matcher.find()) {
                var name = matcher.group(1);
                var jwk = jwk(name, signer);
                var replacement = jwk != null ? AcmeHttp.json(jwk) : value(name);
                matcher.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(
                        replacement));
            }
            matcher.appendTail(out);
            return out.toString();
        }

        Map<String, Object> jwk(String name, AccountKey signer) {
            return switch (name) {
                case "jwk" -> signer == null ? fixtures.account.key().jwkParams()
                        : signer.jwkParams();
                case "accountJwk" -> fixtures.account.key().jwkParams();
                case "otherJwk" -> fixtures.other.key().jwkParams();
                default -> null;
            };
        }

        /** A JSON tree with every string placeholder filled; a whole {@code ${jwk}} is a key. */
        JsonNode fill(JsonNode node, AccountKey signer) {
            if (node.isTextual()) {
                var text = node.asText();
                var whole = PLACEHOLDER.matcher(text);
                if (whole.matches() && jwk(whole.group(1), signer) != null) {
                    return AcmeHttp.JSON.valueToTree(jwk(whole.group(1), signer));
                }
                return JsonNodeFactory.instance.textNode(fill(text, signer));
            }
            if (node.isObject()) {
                var copy = JsonNodeFactory.instance.objectNode();
                node.fields().forEachRemaining(e -> copy.set(e.getKey(), fill(e.getValue(),
                        signer)));
                return copy;
            }
            if (node.isArray()) {
                var copy = JsonNodeFactory.instance.arrayNode();
                node.forEach(n -> copy.add(fill(n, signer)));
                return copy;
            }
            return node;
        }
    }

    // --- building and sending a case -------------------------------------------------------

    private static AcmeHttp.Reply send(JsonNode request, Context context) {
        var method = request.path("method").asText("POST");
        byte[] body;
        if (request.has("jws")) {
            body = jws(request.get("jws"), context).getBytes(StandardCharsets.UTF_8);
        } else if (request.has("bodyRepeat")) {
            var repeat = request.get("bodyRepeat");
            body = (repeat.get("prefix").asText() + repeat.get("repeat").asText()
                    .repeat(repeat.get("times").asInt()) + repeat.get("suffix").asText())
                    .getBytes(StandardCharsets.UTF_8);
        } else if (request.hasNonNull("body")) {
            body = context.fill(request.get("body").asText()).getBytes(StandardCharsets.UTF_8);
        } else {
            body = null;
        }
        var contentType = request.get("contentType");
        if (request.path("chunked").asBoolean()) {
            // HTTP/1.1 chunked (RFC 9112 §7.1), the body split in two chunks.
            var text = new String(body, StandardCharsets.UTF_8);
            var half = text.length() / 2;
            return sendRaw(method + " " + URI.create(context.url).getRawPath() + " HTTP/1.1\r\n"
                    + "Host: " + context.value("host") + "\r\nContent-Type: "
                    + contentType.asText() + "\r\nTransfer-Encoding: chunked\r\n"
                    + "Connection: close\r\n\r\n"
                    + Integer.toHexString(half) + "\r\n" + text.substring(0, half) + "\r\n"
                    + Integer.toHexString(text.length() - half) + "\r\n"
                    + text.substring(half) + "\r\n0\r\n\r\n");
        }
        var builder = HttpRequest.newBuilder(URI.create(context.url));
        if (contentType != null && !contentType.isNull()) {
            builder.header("Content-Type", contentType.asText());
        }
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            return AcmeHttp.send(builder.build());
        } catch (UncheckedIOException e) {
            // The server may answer a huge body early and close; read its answer raw then.
            return sendRaw(method + " " + URI.create(context.url).getRawPath() + " HTTP/1.1\r\n"
                    + "Host: " + context.value("host") + "\r\nContent-Type: "
                    + contentType.asText() + "\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n");
        }
    }

    /** The flattened JWS a recipe describes (docs/testing.md). */
    static String jws(JsonNode recipe, Context context) {
        var keyName = recipe.path("key").asText("account");
        AccountKey key = switch (keyName) {
            case "account" -> context.fixtures.account.key();
            case "other" -> context.fixtures.other.key();
            case "fresh" -> AccountKey.es256();
            case "hmac", "none" -> null;
            default -> throw new IllegalArgumentException("unknown key " + keyName);
        };

        String protectedText;
        if (recipe.has("protectedText")) {
            protectedText = context.fill(recipe.get("protectedText").asText(), key);
        } else {
            protectedText = context.fill(recipe.get("protected"), key).toString();
        }
        var encodedProtected = recipe.has("protectedEncoded")
                ? recipe.get("protectedEncoded").asText()
                : AccountKey.base64url(protectedText);
        if (recipe.path("protectedPadding").asBoolean()) {
            encodedProtected = java.util.Base64.getUrlEncoder()
                    .encodeToString(protectedText.getBytes(StandardCharsets.UTF_8));
            if (!encodedProtected.endsWith("=")) {
                // Padding needs a length that is not a multiple of three: add a space.
                encodedProtected = java.util.Base64.getUrlEncoder().encodeToString(
                        (protectedText + " ").getBytes(StandardCharsets.UTF_8));
            }
            if (!encodedProtected.endsWith("=")) {
                encodedProtected = java.util.Base64.getUrlEncoder().encodeToString(
                        (protectedText + "  ").getBytes(StandardCharsets.UTF_8));
            }
        }

        String payloadText;
        if (recipe.has("payloadJws")) {
            payloadText = jws(recipe.get("payloadJws"), context);
        } else if (recipe.has("payloadText")) {
            payloadText = context.fill(recipe.get("payloadText").asText(), key);
        } else {
            payloadText = context.fill(recipe.get("payload"), key).toString();
        }
        var encodedPayload = recipe.has("payloadEncoded") ? recipe.get("payloadEncoded").asText()
                : AccountKey.base64url(payloadText);

        var input = (encodedProtected + "." + encodedPayload).getBytes(StandardCharsets.US_ASCII);
        var mode = recipe.path("signature").asText("valid");
        String signature = switch (mode) {
            case "valid" -> AccountKey.base64url(sign(keyName, key, input));
            case "garbage" -> AccountKey.base64url(new byte[64]).replace('A', 'Q');
            case "empty" -> "";
            default -> throw new IllegalArgumentException("unknown signature " + mode);
        };
        if (recipe.has("signatureEncoded")) {
            signature = recipe.get("signatureEncoded").asText();
        }

        ObjectNode jws = JsonNodeFactory.instance.objectNode();
        jws.put("protected", encodedProtected);
        jws.put("payload", encodedPayload);
        jws.put("signature", signature);
        if (recipe.has("extraMembers")) {
            recipe.get("extraMembers").fields().forEachRemaining(e -> jws.set(e.getKey(),
                    e.getValue()));
        }
        return jws.toString();
    }

    private static byte[] sign(String keyName, AccountKey key, byte[] input) {
        try {
            if (keyName.equals("hmac")) {
                var mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(HMAC_KEY, "HmacSHA256"));
                return mac.doFinal(input);
            }
            if (key == null) {
                return new byte[0];
            }
            var signature = Signature.getInstance(switch (key.alg()) {
                case "ES256" -> "SHA256withECDSAinP1363Format";
                case "ES384" -> "SHA384withECDSAinP1363Format";
                case "RS256" -> "SHA256withRSA";
                default -> throw new IllegalArgumentException(key.alg());
            });
            signature.initSign(key.pair().getPrivate());
            signature.update(input);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One request written byte for byte over TLS, for what no HTTP client would send. */
    static AcmeHttp.Reply sendRaw(String request) {
        var uri = URI.create(AcmeHttp.BASE);
        try (var socket = SSLContext.getDefault().getSocketFactory()
                .createSocket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            try {
                var out = socket.getOutputStream();
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException e) {
                // Refused before the request ended: the answer may be waiting anyway.
            }
            return readResponse(socket.getInputStream());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("raw request failed: " + e, e);
        }
    }

    private static AcmeHttp.Reply readResponse(InputStream in) throws IOException {
        var head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            var b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return new AcmeHttp.Reply(0, Map.of(), "(connection closed, no answer)");
                }
                break;
            }
            head.write(b);
        }
        var lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        var status = Integer.parseInt(lines[0].split(" ")[1]);
        var headers = new LinkedHashMap<String, List<String>>();
        for (var line : Arrays.asList(lines).subList(1, lines.length)) {
            var colon = line.indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>())
                        .add(line.substring(colon + 1).trim());
            }
        }
        var length = headers.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase("Content-Length"))
                .map(e -> Integer.parseInt(e.getValue().get(0))).findFirst();
        var chunked = headers.entrySet().stream()
                .anyMatch(e -> e.getKey().equalsIgnoreCase("Transfer-Encoding")
                        && e.getValue().get(0).toLowerCase(Locale.ROOT).contains("chunked"));
        byte[] body;
        if (length.isPresent()) {
            body = in.readNBytes(length.get());
        } else if (chunked) {
            var out = new ByteArrayOutputStream();
            while (true) {
                var size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
                if (size == 0) {
                    break;
                }
                out.write(in.readNBytes(size));
                readLine(in);
            }
            body = out.toByteArray();
        } else {
            body = in.readAllBytes();
        }
        return new AcmeHttp.Reply(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String readLine(InputStream in) throws IOException {
        var line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
