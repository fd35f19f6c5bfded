package io.mailca.dane;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Publishes through the HTTP API of the PowerDNS Authoritative Server ({@code api=yes}), into a
 * zone whose backend takes API edits (the generic SQL backends, LMDB). One owner name at a time:
 *
 * <ol>
 * <li>reads the zone's TLSA RRset at the owner
 * ({@code GET /api/v1/servers/{id}/zones/{zone}?rrset_name=...&rrset_type=TLSA});
 * <li>sends nothing when MailCA's records there are already the desired ones (key reuse);
 * <li>otherwise writes the whole RRset back in one {@code PATCH} with changetype
 * {@code REPLACE}: others' records exactly as read (disabled ones stay disabled), MailCA's
 * desired ones, none of MailCA's outdated ones; {@code DELETE} when nothing remains;
 * <li>reads the RRset again and fails, so that the job retries, unless it holds what was written.
 * </ol>
 *
 * <p>The API has nothing like RFC 2136's prerequisites (§2.4) nor a conditional request, so the
 * write cannot depend on the read. A writer that changes the same RRset within the one round
 * trip between MailCA's read and its PATCH loses its change; one that writes just after MailCA
 * makes the re-read differ, and the retry reads afresh and repairs MailCA's records if they
 * went. Where other writers share MailCA's owner names, {@code publisher=rfc2136} against
 * PowerDNS ({@code dnsupdate=yes}) closes that window.
 *
 * <p>Where others hold records at the owner, the RRset keeps its TTL (one TTL per RRset, RFC
 * 2181 §5.2) and a differing setting is logged as a warning. The API key travels in the
 * {@code X-API-Key} header and never appears in a log line or an error.
 */
public class PowerDnsPublisher implements TlsaPublisher {
    private static final Logger LOG = Logger.getLogger(PowerDnsPublisher.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String zone;
    private final String api;
    private final URI zoneUrl;
    private final String serverId;
    private final String apiKey;
    private final Duration timeout;
    private final HttpClient http;
    private final AtomicLong updatesSent = new AtomicLong();

    /** A publisher for {@code zone} from its settings; reads the key file if one is named. */
    public static PowerDnsPublisher of(String zone, DaneSettings.Zone settings,
            Duration timeout) {
        var url = settings.apiUrl().filter(s -> !s.isBlank()).orElseThrow(() ->
                new IllegalArgumentException("mailca.dane.zones.\"" + zone
                        + "\".api-url is not set"));
        var key = settings.apiKey().filter(s -> !s.isBlank())
                .or(() -> settings.apiKeyFile().map(f -> readKey(zone, f)))
                .orElseThrow(() -> new IllegalArgumentException("zone " + zone
                        + " needs api-key or api-key-file"));
        return new PowerDnsPublisher(zone, url, settings.serverId(), key, timeout);
    }

    /**
     * @param apiUrl the API's base URL, {@code http://127.0.0.1:8081} (a trailing
     *     {@code /api/v1} is accepted too)
     * @param serverId the server id of the API paths, {@code localhost} for a plain PowerDNS
     */
    public PowerDnsPublisher(String zone, String apiUrl, String serverId, String apiKey,
            Duration timeout) {
        this.zone = zone.toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
        this.api = base(zone, apiUrl);
        this.serverId = serverId;
        this.apiKey = apiKey.strip();
        if (this.apiKey.isEmpty() || !this.apiKey.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            // Say what is wrong with the key without showing it.
            throw new IllegalArgumentException("the PowerDNS API key of zone " + zone
                    + " is empty or holds characters other than visible ASCII");
        }
        this.zoneUrl = URI.create(api + "/api/v1/servers/" + segment(serverId) + "/zones/"
                + segment(this.zone + "."));
        this.timeout = timeout;
        // HTTP/1.1: the PowerDNS web server speaks nothing newer, and an h2c upgrade attempt
        // only costs a round trip.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
        var host = URI.create(api).getHost();
        if (api.startsWith("http:") && !loopback(host)) {
            LOG.warnf("zone %s: the PowerDNS API at %s is plain HTTP to another host; the API"
                    + " key crosses the network in clear (put TLS in front of it)", zone, api);
        }
    }

    /** PATCH requests sent since start (not counting the ones found unnecessary). */
    public long updatesSent() {
        return updatesSent.get();
    }

    /** One record of the RRset as the API shows it; {@code tlsa} is null if unparsable. */
    private record Served(String content, boolean disabled, TlsaRecord tlsa) {
        String key() {
            return (tlsa != null ? tlsa.toString() : content) + (disabled ? " (disabled)" : "");
        }
    }

    /** The RRset at one owner: its TTL (-1 when absent) and records. */
    private record Rrset(long ttl, List<Served> records) {
        Set<String> keys() {
            var keys = new LinkedHashSet<String>();
            records.forEach(r -> keys.add(r.key()));
            return keys;
        }
    }

    @Override
    public Change publish(String owner, List<TlsaRecord> desired, Set<TlsaRecord> owned,
            int ttl) throws PublishException {
        // 1. What the zone holds now.
        var served = read(owner);

        // 2. The difference, touching MailCA's records only.
        var want = new LinkedHashSet<>(desired);
        var enabled = new LinkedHashSet<TlsaRecord>();
        served.records().stream().filter(r -> r.tlsa() != null && !r.disabled())
                .forEach(r -> enabled.add(r.tlsa()));
        var toAdd = new ArrayList<TlsaRecord>();
        for (var r : want) {
            if (!enabled.contains(r)) {
                toAdd.add(r);
            }
        }
        var toRemove = new ArrayList<TlsaRecord>();
        var others = new ArrayList<Served>();
        for (var r : served.records()) {
            if (r.tlsa() != null && (want.contains(r.tlsa()) || owned.contains(r.tlsa()))) {
                if (!want.contains(r.tlsa()) && !toRemove.contains(r.tlsa())) {
                    toRemove.add(r.tlsa());
                }
            } else {
                others.add(r);
            }
        }
        var useTtl = ttl;
        if (!others.isEmpty()) {
            useTtl = (int) served.ttl();
            if (served.ttl() != ttl) {
                LOG.warnf("%s holds TLSA records MailCA did not publish, with TTL %d; MailCA"
                        + " keeps that TTL instead of its setting %d (RFC 2181 §5.2)", owner,
                        served.ttl(), ttl);
            }
        }
        // Others' records as read, then MailCA's desired ones (enabled, once each): a disabled
        // or doubled copy of a desired record makes a difference too.
        var written = new ArrayList<>(others);
        want.forEach(r -> written.add(new Served(r.toString(), false, r)));
        if (written.size() == served.records().size()
                && new Rrset(served.ttl(), written).keys().equals(served.keys())) {
            LOG.debugf("%s already holds the desired TLSA records; no PATCH", owner);
            return new Change(false, List.of(), List.of(), served.ttl() >= 0
                    ? (int) served.ttl() : useTtl);
        }

        // 3. One PATCH with the whole RRset.
        patch(owner, written, useTtl);
        updatesSent.incrementAndGet();

        // 4. Nothing guards the write (see the class comment); check it took.
        var now = read(owner);
        var expected = new Rrset(written.isEmpty() ? -1 : useTtl, written);
        if (!now.keys().equals(expected.keys()) || now.ttl() != expected.ttl()) {
            throw new PublishException("the TLSA RRset at " + owner + " changed while MailCA"
                    + " wrote it through the PowerDNS API (another writer); retried");
        }
        return new Change(true, List.copyOf(toAdd), List.copyOf(toRemove), useTtl);
    }

    /** The TLSA RRset the zone holds at {@code owner}. */
    private Rrset read(String owner) throws PublishException {
        var name = absolute(owner);
        var uri = URI.create(zoneUrl + "?rrset_name=" + query(name) + "&rrset_type=TLSA");
        var request = request(uri).GET().build();
        LOG.debugf("PowerDNS API: GET %s", uri);
        var body = send(request, "read of TLSA " + owner).body();
        JsonNode zoneJson;
        try {
            zoneJson = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new PublishException("the PowerDNS API at " + api + " answered the read of "
                    + owner + " with something other than JSON");
        }
        var ttl = -1L;
        var records = new ArrayList<Served>();
        // Servers before 4.7 ignore rrset_name and rrset_type and return every RRset.
        for (var rrset : zoneJson.path("rrsets")) {
            if (!"TLSA".equals(rrset.path("type").asText())
                    || !name.equalsIgnoreCase(rrset.path("name").asText())) {
                continue;
            }
            ttl = rrset.path("ttl").asLong(-1);
            for (var r : rrset.path("records")) {
                var content = r.path("content").asText();
                records.add(new Served(content, r.path("disabled").asBoolean(false),
                        parse(content)));
            }
        }
        return new Rrset(records.isEmpty() ? -1 : ttl, records);
    }

    private void patch(String owner, List<Served> records, int ttl) throws PublishException {
        var rrset = JSON.createObjectNode().put("name", absolute(owner)).put("type", "TLSA");
        if (records.isEmpty()) {
            rrset.put("changetype", "DELETE");
        } else {
            rrset.put("ttl", ttl).put("changetype", "REPLACE");
            var array = rrset.putArray("records");
            records.forEach(r -> array.addObject().put("content", r.content())
                    .put("disabled", r.disabled()));
        }
        var body = JSON.createObjectNode();
        body.putArray("rrsets").add(rrset);
        var request = request(zoneUrl).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        LOG.debugf("PowerDNS API: PATCH %s %s", zoneUrl, body);
        send(request, "update of TLSA " + owner);
    }

    private HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(timeout).header("X-API-Key", apiKey)
                .header("Accept", "application/json");
    }

    private HttpResponse<String> send(HttpRequest request, String what)
            throws PublishException {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new PublishException("the PowerDNS API at " + api + " did not answer the "
                    + what + " within " + timeout.toSeconds() + " s", e);
        } catch (IOException e) {
            throw new PublishException(scrub("the " + what + " to the PowerDNS API at " + api
                    + " failed: " + describe(e)), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("interrupted during the " + what, e);
        }
        var status = response.statusCode();
        if (status >= 200 && status < 300) {
            return response;
        }
        throw new PublishException(scrub(switch (status) {
            case 401, 403 -> "the PowerDNS API at " + api + " refused MailCA's API key (HTTP "
                    + status + ") for the " + what + "; check api-key or api-key-file of zone "
                    + zone + " against the server's api-key";
            case 404 -> "the PowerDNS API at " + api + " has no zone " + zone + " on server id "
                    + serverId + " (HTTP 404) for the " + what;
            default -> "the PowerDNS API at " + api + " answered HTTP " + status + " to the "
                    + what + ": " + error(response.body());
        }));
    }

    /** The {@code error} member of a PowerDNS error document, or the start of the body. */
    private static String error(String body) {
        String text;
        try {
            text = JSON.readTree(body).path("error").asText(body);
        } catch (JsonProcessingException e) {
            text = body;
        }
        text = text.replaceAll("\\s+", " ").strip();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    /** Belt and braces: no message leaves with the key in it, whatever a server echoed. */
    private String scrub(String message) {
        return message.replace(apiKey, "(API key)");
    }

    private static String describe(IOException e) {
        // java.net.http often throws a ConnectException without a message.
        var cause = e.getCause() != null && e.getMessage() == null ? e.getCause() : e;
        var message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message != null ? ": " + message : "");
    }

    private static TlsaRecord parse(String content) {
        try {
            return TlsaRecord.parse(content);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String absolute(String owner) {
        return owner.endsWith(".") ? owner : owner + ".";
    }

    private static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String query(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String base(String zone, String url) {
        var s = url.strip().replaceAll("/+$", "").replaceAll("/api/v1$", "");
        URI uri;
        try {
            uri = URI.create(s);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || uri.getScheme() == null
                || !List.of("http", "https").contains(uri.getScheme().toLowerCase(Locale.ROOT))
                || uri.getUserInfo() != null) {
            throw new IllegalArgumentException("mailca.dane.zones.\"" + zone + "\".api-url is"
                    + " not an http or https URL without user info: " + url);
        }
        return s;
    }

    private static boolean loopback(String host) {
        if ("localhost".equalsIgnoreCase(host)) {
            return true;
        }
        try {
            // Only literals are judged; a name is not resolved here.
            var literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            return literal.matches("[0-9.]+|[0-9a-fA-F:]+")
                    && InetAddress.getByName(literal).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    private static String readKey(String zone, String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            // The path is configuration, not a secret; the content never appears here.
            throw new IllegalArgumentException("cannot read the PowerDNS API key file " + file
                    + " of zone " + zone, e);
        }
    }
}
