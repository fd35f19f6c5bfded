package io.mailca.validation;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.mailca.dns.DnsClient;
import io.mailca.dns.DnsException;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.routing.RoutingSupport;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.util.Timeout;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The http-01 challenge (RFC 8555 §8.3): a GET of
 * {@code http://<domain>:<port>/.well-known/acme-challenge/<token>} whose body, less trailing
 * whitespace, must equal the key authorization.
 *
 * <p>How the request is made, and why:
 * <ul>
 * <li>Every host name is resolved through {@link DnsClient}, the CA's configured resolver, never
 * the JVM's. Addresses are tried IPv6 first, then IPv4 (RFC 8305 §4). Link-local, multicast
 * and unspecified addresses are never contacted (they reach the CA's own network, such as a cloud
 * metadata service), nor loopback unless {@code mailca.validation.http01-allow-loopback} is set
 * (tests and single-host trials).
 * <li>The first request carries {@code Host: <domain>}, the identifier itself (RFC 8555 §8.3).
 * <li>Redirects (301, 302, 303, 307, 308) are followed by hand, at most {@value #MAX_REDIRECTS},
 * each checked first, much as public ACME CAs do: the target must be an {@code http} URL on port
 * 80 or the configured http-01 port, or an {@code https} URL on port 443; its host must be a
 * domain name, not an IP literal (an IP would skip the DNS this CA trusts), with no user
 * information; and no URL may be visited twice (a loop ends at once, not after ten hops).
 * <li>HTTPS certificates are not verified: the applicant may not have a certificate yet, and
 * the key authorization, not TLS, is the proof (RFC 8555 §8.3, §10.2).
 * <li>At most {@value #MAX_BODY} bytes of body are read; a larger body fails. Content encodings
 * are not requested, so a small compressed body cannot expand.
 * <li>Connections are never reused: each validation sees the addresses DNS gives now.
 * <li>Time: each connection attempt has {@code mailca.validation.http01-connect-timeout}
 * (default 5 s), and the whole validation, redirects included, {@code
 * mailca.validation.http01-timeout} (default 10 s), after which the request in flight is
 * aborted. DNS lookups have the DNS client's own timeout.
 * </ul>
 *
 * <p>Problem types (RFC 8555 §6.7): {@code malformed} for an identifier or token that cannot
 * be fetched; {@code dns} when a host does not resolve; {@code connection} for refused, timed-out
 * or broken connections and for every redirect that breaks a rule above; {@code unauthorized} for
 * a status other than 200 or a body over the limit (the server declined to show the proof); and
 * {@code incorrectResponse} for a body that is not the key authorization.
 *
 * <p>Blocking: the caller runs it on a worker thread. Thread-safe; one instance serves all.
 */
@ApplicationScoped
public class Http01Validator implements AutoCloseable {

    /** Most redirects followed in one validation. */
    public static final int MAX_REDIRECTS = 10;
    /** Most body bytes read; a key authorization is under 100 bytes. */
    public static final int MAX_BODY = 8192;

    private static final Logger LOG = Logger.getLogger(Http01Validator.class);
    private static final String PATH = "/.well-known/acme-challenge/";
    // base64url without padding (RFC 8555 §8.1): nothing here can change the path.
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,256}");
    private static final int SHOWN_BODY = 64;

    private final DnsClient dns;
    private final int port;
    private final Duration timeout;
    private final boolean allowLoopback;
    private final CloseableHttpClient client;
    private final ScheduledExecutorService aborter;

    /**
     * For CDI.
     *
     * @param port {@code mailca.validation.http01-port}, default 80
     * @param timeout {@code mailca.validation.http01-timeout}, whole validation, default 10 s
     * @param connectTimeout {@code mailca.validation.http01-connect-timeout}, default 5 s
     * @param allowLoopback {@code mailca.validation.http01-allow-loopback}, default false
     */
    @Inject
    public Http01Validator(DnsClient dns,
            @ConfigProperty(name = "mailca.validation.http01-port", defaultValue = "80") int port,
            @ConfigProperty(name = "mailca.validation.http01-timeout", defaultValue = "10s")
            Duration timeout,
            @ConfigProperty(name = "mailca.validation.http01-connect-timeout",
                    defaultValue = "5s") Duration connectTimeout,
            @ConfigProperty(name = "mailca.validation.http01-allow-loopback",
                    defaultValue = "false") boolean allowLoopback) {
        this.dns = dns;
        this.port = port;
        this.timeout = timeout;
        this.allowLoopback = allowLoopback;
        this.client = httpClient(connectTimeout);
        this.aborter = Executors.newSingleThreadScheduledExecutor(r -> {
            var t = new Thread(r, "http-01-deadline");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Validates an http-01 challenge.
     *
     * @param domain the identifier value of the authorization (a DNS name)
     * @param token the challenge token (base64url)
     * @param keyAuthorization {@code token || '.' || base64url(JWK thumbprint)} (RFC 8555 §8.1)
     */
    public ValidationOutcome validate(String domain, String token, String keyAuthorization) {
        if (!HostName.isValid(domain)) {
            return ValidationOutcome.invalid(ValidationOutcome.MALFORMED,
                    "\"" + domain + "\" is not a domain name that http-01 can validate");
        }
        if (token == null || !TOKEN.matcher(token).matches()) {
            return ValidationOutcome.invalid(ValidationOutcome.MALFORMED,
                    "The challenge token is not a base64url string");
        }
        var host = HostName.normalize(domain);
        var url = URI.create("http://" + host + (port == 80 ? "" : ":" + port) + PATH + token);
        var deadline = System.nanoTime() + timeout.toNanos();
        var visited = new HashSet<URI>();
        visited.add(url);

        try {
            var hostHeader = host;
            for (var redirects = 0; ; redirects++) {
                var response = fetch(url, hostHeader, deadline);
                hostHeader = null;

                if (response.location().isPresent()) {
                    var next = redirectTarget(url, response.location().get());
                    if (redirects == MAX_REDIRECTS) {
                        throw new Refusal(ValidationOutcome.CONNECTION, "Too many redirects: "
                                + "more than " + MAX_REDIRECTS + ", the last from " + url);
                    }
                    if (!visited.add(next)) {
                        throw new Refusal(ValidationOutcome.CONNECTION,
                                "Redirect loop: " + url + " redirects back to " + next);
                    }
                    LOG.debugf("http-01: %s redirects to %s", url, next);
                    url = next;
                    continue;
                }
                if (response.status() != 200) {
                    throw new Refusal(ValidationOutcome.UNAUTHORIZED, "Invalid response from "
                            + url + ": HTTP " + response.status());
                }
                var body = response.body().stripTrailing();
                if (body.equals(keyAuthorization)) {
                    LOG.debugf("http-01: %s answered the key authorization", url);
                    return ValidationOutcome.success();
                }
                throw new Refusal(ValidationOutcome.INCORRECT_RESPONSE,
                        "The key authorization file from " + url + " did not match this"
                                + " challenge: expected \"" + keyAuthorization + "\" (got \""
                                + shown(body) + "\")");
            }
        } catch (Refusal r) {
            LOG.debugf("http-01 for %s failed: %s", host, r.getMessage());
            return ValidationOutcome.invalid(r.problemType, r.getMessage());
        }
    }

    @PreDestroy
    @Override
    public void close() {
        aborter.shutdownNow();
        try {
            client.close();
        } catch (IOException e) {
            LOG.debug("closing the http-01 client", e);
        }
    }

    /** A GET of one URL: the status and either a redirect target or the body. */
    private record Response(int status, Optional<String> location, String body) {
    }

    private Response fetch(URI url, String hostHeader, long deadline) throws Refusal {
        var remaining = Duration.ofNanos(deadline - System.nanoTime());
        if (remaining.isNegative() || remaining.isZero()) {
            throw timedOut(url);
        }
        var get = new HttpGet(url);
        if (hostHeader != null) {
            get.setHeader(HttpHeaders.HOST, hostHeader);
        }
        get.setConfig(RequestConfig.custom()
                .setResponseTimeout(Timeout.of(remaining))
                .setConnectionRequestTimeout(Timeout.of(remaining))
                .build());
        // Socket timeouts bound each read, not a server that sends a byte a second; this bounds
        // the whole exchange.
        var aborted = new AtomicBoolean();
        var abort = aborter.schedule(() -> {
            aborted.set(true);
            get.cancel();
        }, remaining.toNanos(), TimeUnit.NANOSECONDS);
        LOG.debugf("http-01: GET %s", url);

        try (var response = client.executeOpen(RoutingSupport.determineHost(get), get,
                HttpClientContext.create())) {
            var status = response.getCode();
            if (status == 301 || status == 302 || status == 303 || status == 307
                    || status == 308) {
                var location = response.getFirstHeader(HttpHeaders.LOCATION);
                if (location == null) {
                    throw new Refusal(ValidationOutcome.CONNECTION, "Invalid response from "
                            + url + ": HTTP " + status + " without a Location header");
                }
                // The resource closes before finally runs, and closing drains an unread
                // body (a hostile one may be endless): drop the connection first.
                get.cancel();
                return new Response(status, Optional.of(location.getValue()), "");
            }
            var entity = response.getEntity();
            byte[] body;
            try {
                body = entity == null ? new byte[0] : readLimited(entity.getContent(), url);
            } catch (Refusal tooLarge) {
                get.cancel();
                throw tooLarge;
            }
            return new Response(status, Optional.empty(),
                    new String(body, StandardCharsets.UTF_8));
        } catch (IOException | HttpException e) {
            // The response timeout and the abort both end at the deadline; whichever fires
            // first, the client hears the same reason.
            if (aborted.get() || System.nanoTime() - deadline >= 0) {
                throw timedOut(url);
            }
            throw refusal(url, e);
        } finally {
            abort.cancel(false);
            // Closing an unread response would drain it; cancelling drops the connection.
            get.cancel();
        }
    }

    private static byte[] readLimited(InputStream in, URI url) throws IOException, Refusal {
        if (in == null) {
            return new byte[0];
        }
        var body = in.readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
            throw new Refusal(ValidationOutcome.UNAUTHORIZED, "Invalid response from " + url
                    + ": the body is larger than " + MAX_BODY + " bytes");
        }
        return body;
    }

    /** The redirect target, or a refusal saying which rule of the class comment it breaks. */
    private URI redirectTarget(URI from, String location) throws Refusal {
        URI next;
        try {
            next = from.resolve(new URI(location.trim())).normalize();
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new Refusal(ValidationOutcome.CONNECTION, "Invalid redirect from " + from
                    + ": \"" + shown(location) + "\" is not a URL");
        }
        var scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Refusal(ValidationOutcome.CONNECTION, "Invalid redirect from " + from
                    + " to " + next + ": only http and https URLs are followed");
        }
        var host = next.getHost();
        if (host == null || next.getRawUserInfo() != null) {
            throw new Refusal(ValidationOutcome.CONNECTION, "Invalid redirect from " + from
                    + " to " + next + ": the URL needs a host name and no user information");
        }
        if (HostName.isIpLiteral(host)) {
            throw new Refusal(ValidationOutcome.CONNECTION, "Invalid redirect from " + from
                    + " to " + next + ": redirects to IP addresses are not followed");
        }
        if (!HostName.isValid(host)) {
            throw new Refusal(ValidationOutcome.CONNECTION, "Invalid redirect from " + from
                    + " to " + next + ": \"" + host + "\" is not a valid host name");
        }
        var target = next.getPort() == -1 ? (scheme.equals("http") ? 80 : 443) : next.getPort();
        var allowed = scheme.equals("http") ? target == 80 || target == port : target == 443;
        if (!allowed) {
            throw new Refusal(ValidationOutcome.CONNECTION, "Invalid redirect from " + from
                    + " to " + next + ": port " + target + " is not allowed; only 80 for http"
                    + (port == 80 ? "" : " (or " + port + ")") + " and 443 for https");
        }
        try {
            // Lower-case scheme and host so that a loop is recognised whatever the case.
            return new URI(scheme, null, HostName.normalize(host), next.getPort(),
                    next.getPath().isEmpty() ? "/" : next.getPath(), next.getQuery(), null);
        } catch (URISyntaxException e) {
            throw new Refusal(ValidationOutcome.CONNECTION, "Invalid redirect from " + from
                    + ": \"" + shown(location) + "\" is not a URL");
        }
    }

    private static Refusal timedOut(URI url) {
        return new Refusal(ValidationOutcome.CONNECTION, "Fetching " + url
                + ": no complete answer within the time limit");
    }

    /** Turns a client exception into a client-facing refusal, without class names. */
    private static Refusal refusal(URI url, Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DnsException dnsFailure) {
                return new Refusal(ValidationOutcome.DNS, dnsFailure.getMessage());
            }
            if (t instanceof NoUsableAddress none) {
                return new Refusal(none.problemType, none.getMessage());
            }
        }
        String what;
        if (e instanceof ConnectTimeoutException) {
            what = "timeout while connecting";
        } else if (e instanceof HttpHostConnectException || e instanceof ConnectException
                || e instanceof NoRouteToHostException) {
            what = "connection refused or unreachable";
        } else if (e instanceof SocketTimeoutException) {
            what = "timeout while waiting for the response";
        } else if (e instanceof SSLException) {
            what = "TLS error";
        } else if (e instanceof HttpException) {
            what = "the answer is not valid HTTP";
        } else {
            what = "the connection failed";
        }
        LOG.debugf(e, "http-01: fetching %s", url);
        return new Refusal(ValidationOutcome.CONNECTION, "Fetching " + url + ": " + what);
    }

    private static String shown(String s) {
        var cut = s.length() > SHOWN_BODY ? s.substring(0, SHOWN_BODY) + "..." : s;
        // Keep the detail one printable line, whatever the server sent.
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private CloseableHttpClient httpClient(Duration connectTimeout) {
        var connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(new ThroughDnsClient())
                .setTlsSocketStrategy(ClientTlsStrategyBuilder.create()
                        .setSslContext(LookOnlyTls.context())
                        .setHostnameVerifier(NoopHostnameVerifier.INSTANCE)
                        .buildClassic())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setSocketTimeout(Timeout.of(timeout))
                        .build())
                .setDefaultSocketConfig(SocketConfig.custom()
                        .setSoTimeout(Timeout.of(timeout))
                        .build())
                .setMaxConnTotal(256)
                .setMaxConnPerRoute(16)
                .build();
        return HttpClients.custom()
                .setConnectionManager(connections)
                .setConnectionReuseStrategy((request, response, context) -> false)
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .setUserAgent("MailCA http-01 validator")
                .build();
    }

    /** Host resolution for the HTTP client, through the CA's resolver and address rules. */
    private final class ThroughDnsClient implements DnsResolver {

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            if (HostName.isIpLiteral(host)) {
                throw new NoUsableAddress(ValidationOutcome.CONNECTION,
                        "IP addresses are not contacted: " + host);
            }
            try {
                var all = dns.addresses(host);
                if (all.isEmpty()) {
                    throw new NoUsableAddress(ValidationOutcome.DNS,
                            "No valid A or AAAA records found for " + host);
                }
                var usable = all.stream()
                        .filter(a -> TargetAddresses.contactable(a, allowLoopback))
                        .toArray(InetAddress[]::new);
                if (usable.length == 0) {
                    throw new NoUsableAddress(ValidationOutcome.CONNECTION, host
                            + " has only loopback, link-local or other addresses that are not"
                            + " contacted for validation");
                }
                return usable;
            } catch (DnsException e) {
                var failure = new UnknownHostException(host);
                failure.initCause(e);
                throw failure;
            }
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }
    }

    /** A resolution that gave nothing to connect to, with the problem type to report. */
    private static final class NoUsableAddress extends UnknownHostException {
        private static final long serialVersionUID = 1L;
        private final String problemType;

        NoUsableAddress(String problemType, String detail) {
            super(detail);
            this.problemType = problemType;
        }
    }

    /** A failed validation on its way out of the request loop. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        private final String problemType;

        Refusal(String problemType, String detail) {
            super(detail, null, false, false);
            this.problemType = problemType;
        }
    }
}
