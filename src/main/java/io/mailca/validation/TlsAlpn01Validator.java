package io.mailca.validation;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.mailca.dns.DnsClient;
import io.mailca.dns.DnsException;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The tls-alpn-01 challenge (RFC 8737): a TLS handshake with the identifier's host on port 443,
 * offering exactly the ALPN protocol {@value #ACME_TLS_1} and sending the identifier as SNI. The
 * applicant answers with a certificate made for the purpose (RFC 8737 §3), which must:
 * <ul>
 * <li>carry the {@code id-pe-acmeIdentifier} extension ({@value #ACME_IDENTIFIER}), marked
 * critical, whose value is the DER encoding of an OCTET STRING holding the SHA-256 digest of the
 * key authorization;
 * <li>carry a subjectAltName with exactly one entry, a dNSName equal to the identifier
 * (compared case-insensitively);
 * <li>not carry the extension of the draft protocol, {@value #OBSOLETE_ACME_IDENTIFIER}: a
 * responder built for that draft hashes differently, and the RFC made the new OID so that such
 * answers fail rather than pass by accident.
 * </ul>
 * The server must have negotiated {@value #ACME_TLS_1}; a server that ignores ALPN shows its
 * ordinary certificate, which proves nothing.
 *
 * <p>Like http-01: addresses come from {@link DnsClient}, IPv6 first then IPv4; link-local,
 * multicast and unspecified addresses are never contacted, nor loopback unless {@code
 * mailca.validation.tls-alpn01-allow-loopback} is set. The certificate is not verified against any
 * trust anchor, since the key authorization is the proof (RFC 8737 §3). Only TLS 1.2 and 1.3 are
 * offered (RFC 8737 §4). Time: each connection attempt has {@code
 * mailca.validation.tls-alpn01-connect-timeout} (default 5 s), the whole validation {@code
 * mailca.validation.tls-alpn01-timeout} (default 10 s), after which the socket is closed.
 *
 * <p>Problem types (RFC 8555 §6.7): {@code malformed} for an identifier that is not a domain
 * name; {@code dns} when it does not resolve; {@code connection} when no TLS handshake completes;
 * {@code unauthorized} when the server did not negotiate {@value #ACME_TLS_1} or its certificate
 * is not a validation certificate (names, extension missing, not critical, obsolete, malformed);
 * {@code incorrectResponse} when the extension holds another digest.
 *
 * <p>Blocking: the caller runs it on a worker thread. Thread-safe; one instance serves all.
 */
@ApplicationScoped
public class TlsAlpn01Validator implements AutoCloseable {

    /** The ALPN protocol name of RFC 8737 §6.2. */
    public static final String ACME_TLS_1 = "acme-tls/1";
    /** id-pe-acmeIdentifier, RFC 8737 §6.1. */
    public static final String ACME_IDENTIFIER = "1.3.6.1.5.5.7.1.31";
    /** id-pe-acmeIdentifier-v1 of draft-ietf-acme-tls-alpn-01, refused. */
    public static final String OBSOLETE_ACME_IDENTIFIER = "1.3.6.1.5.5.7.1.30.1";

    private static final Logger LOG = Logger.getLogger(TlsAlpn01Validator.class);
    private static final int SHA256_LENGTH = 32;
    private static final int DNS_NAME = 2;

    private final DnsClient dns;
    private final int port;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final boolean allowLoopback;
    private final ScheduledExecutorService aborter;

    /**
     * For CDI.
     *
     * @param port {@code mailca.validation.tls-alpn01-port}, default 443
     * @param timeout {@code mailca.validation.tls-alpn01-timeout}, whole validation, default 10 s
     * @param connectTimeout {@code mailca.validation.tls-alpn01-connect-timeout}, default 5 s
     * @param allowLoopback {@code mailca.validation.tls-alpn01-allow-loopback}, default false
     */
    @Inject
    public TlsAlpn01Validator(DnsClient dns,
            @ConfigProperty(name = "mailca.validation.tls-alpn01-port", defaultValue = "443")
            int port,
            @ConfigProperty(name = "mailca.validation.tls-alpn01-timeout", defaultValue = "10s")
            Duration timeout,
            @ConfigProperty(name = "mailca.validation.tls-alpn01-connect-timeout",
                    defaultValue = "5s") Duration connectTimeout,
            @ConfigProperty(name = "mailca.validation.tls-alpn01-allow-loopback",
                    defaultValue = "false") boolean allowLoopback) {
        this.dns = dns;
        this.port = port;
        this.timeout = timeout;
        this.connectTimeout = connectTimeout;
        this.allowLoopback = allowLoopback;
        this.aborter = Executors.newSingleThreadScheduledExecutor(r -> {
            var t = new Thread(r, "tls-alpn-01-deadline");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Validates a tls-alpn-01 challenge.
     *
     * @param domain the identifier value of the authorization (a DNS name)
     * @param keyAuthorization {@code token || '.' || base64url(JWK thumbprint)} (RFC 8555 §8.1)
     */
    public ValidationOutcome validate(String domain, String keyAuthorization) {
        if (!HostName.isValid(domain)) {
            return ValidationOutcome.invalid(ValidationOutcome.MALFORMED,
                    "\"" + domain + "\" is not a domain name that tls-alpn-01 can validate");
        }
        var host = HostName.normalize(domain);
        var deadline = System.nanoTime() + timeout.toNanos();

        try {
            var handshake = handshake(host, addresses(host), deadline);
            check(host, handshake, keyAuthorization);
            LOG.debugf("tls-alpn-01: %s showed the validation certificate", handshake.where());
            return ValidationOutcome.success();
        } catch (Refusal r) {
            LOG.debugf("tls-alpn-01 for %s failed: %s", host, r.getMessage());
            return ValidationOutcome.invalid(r.problemType, r.getMessage());
        }
    }

    @PreDestroy
    @Override
    public void close() {
        aborter.shutdownNow();
    }

    /** What one completed handshake showed: where, the protocol chosen, the leaf. */
    private record Handshake(String where, String protocol, X509Certificate certificate) {
    }

    private List<InetAddress> addresses(String host) throws Refusal {
        List<InetAddress> all;
        try {
            all = dns.addresses(host);
        } catch (DnsException e) {
            throw new Refusal(ValidationOutcome.DNS, e.getMessage());
        }
        if (all.isEmpty()) {
            throw new Refusal(ValidationOutcome.DNS,
                    "No valid A or AAAA records found for " + host);
        }
        var usable = all.stream()
                .filter(a -> TargetAddresses.contactable(a, allowLoopback)).toList();
        if (usable.isEmpty()) {
            throw new Refusal(ValidationOutcome.CONNECTION, host + " has only loopback,"
                    + " link-local or other addresses that are not contacted for validation");
        }
        return usable;
    }

    /** Tries each address in turn until one completes a handshake. */
    private Handshake handshake(String host, List<InetAddress> addresses, long deadline)
            throws Refusal {
        Refusal last = null;
        for (var address : addresses) {
            var where = host + " (" + address.getHostAddress() + ") port " + port;
            try {
                return handshake(host, address, where, deadline);
            } catch (Refusal r) {
                last = r;
                if (System.nanoTime() >= deadline) {
                    break;
                }
            }
        }
        throw last;
    }

    private Handshake handshake(String host, InetAddress address, String where, long deadline)
            throws Refusal {
        var remaining = Duration.ofNanos(deadline - System.nanoTime());
        if (remaining.isNegative() || remaining.isZero()) {
            throw timedOut(where);
        }
        var aborted = new AtomicBoolean();
        var plain = new Socket();
        // Socket timeouts bound each read, not a server that sends a byte a second; this bounds
        // the whole exchange.
        var abort = aborter.schedule(() -> {
            aborted.set(true);
            closeQuietly(plain);
        }, remaining.toNanos(), TimeUnit.NANOSECONDS);
        LOG.debugf("tls-alpn-01: connecting to %s", where);

        try (plain) {
            var connectIn = Math.min(connectTimeout.toMillis(), Math.max(1, remaining.toMillis()));
            plain.connect(new InetSocketAddress(address, port), (int) connectIn);
            plain.setSoTimeout((int) Math.max(1, remaining.toMillis()));
            // A fresh context each time: a resumed session would show the certificate of an
            // earlier handshake, not the one the applicant serves now.
            var sockets = LookOnlyTls.context().getSocketFactory();
            try (var tls = (SSLSocket) sockets.createSocket(plain, host, port, true)) {
                var parameters = tls.getSSLParameters();
                parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                parameters.setApplicationProtocols(new String[] {ACME_TLS_1});
                parameters.setServerNames(List.of(new SNIHostName(host)));
                parameters.setEndpointIdentificationAlgorithm(null);
                tls.setSSLParameters(parameters);
                tls.startHandshake();

                var chain = tls.getSession().getPeerCertificates();
                if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
                    throw new Refusal(ValidationOutcome.UNAUTHORIZED,
                            "No X.509 certificate from " + where);
                }
                var protocol = tls.getApplicationProtocol();
                return new Handshake(where, protocol == null ? "" : protocol, leaf);
            }
        } catch (IOException e) {
            if (aborted.get()) {
                throw timedOut(where);
            }
            throw refusal(where, e);
        } finally {
            abort.cancel(false);
        }
    }

    /** The checks of RFC 8737 §3 on what the handshake showed. */
    private static void check(String host, Handshake handshake, String keyAuthorization)
            throws Refusal {
        var where = handshake.where();
        if (!ACME_TLS_1.equals(handshake.protocol())) {
            throw new Refusal(ValidationOutcome.UNAUTHORIZED, "The server at " + where
                    + " did not negotiate the ALPN protocol \"" + ACME_TLS_1 + "\""
                    + (handshake.protocol().isEmpty() ? ""
                            : " (it chose \"" + printable(handshake.protocol()) + "\")"));
        }
        var certificate = handshake.certificate();
        var incorrect = "Incorrect validation certificate for the tls-alpn-01 challenge from "
                + where + ": ";

        var names = dnsNames(certificate, incorrect);
        if (names.size() != 1 || !names.get(0).equalsIgnoreCase(host)) {
            throw new Refusal(ValidationOutcome.UNAUTHORIZED, incorrect + "its subjectAltName"
                    + " must hold exactly one entry, the dNSName " + host + "; it holds "
                    + (names.isEmpty() ? "none" : String.join(", ", names)));
        }

        if (certificate.getExtensionValue(OBSOLETE_ACME_IDENTIFIER) != null) {
            throw new Refusal(ValidationOutcome.UNAUTHORIZED, incorrect + "it carries the"
                    + " obsolete acmeIdentifier extension " + OBSOLETE_ACME_IDENTIFIER
                    + " of a draft; RFC 8737 uses " + ACME_IDENTIFIER);
        }
        var wrapped = certificate.getExtensionValue(ACME_IDENTIFIER);
        if (wrapped == null) {
            throw new Refusal(ValidationOutcome.UNAUTHORIZED, incorrect
                    + "the acmeIdentifier extension (" + ACME_IDENTIFIER + ") is missing");
        }
        var critical = certificate.getCriticalExtensionOIDs();
        if (critical == null || !critical.contains(ACME_IDENTIFIER)) {
            throw new Refusal(ValidationOutcome.UNAUTHORIZED, incorrect
                    + "the acmeIdentifier extension is not marked critical");
        }
        var digest = authorization(octetString(wrapped));
        if (digest == null) {
            throw new Refusal(ValidationOutcome.UNAUTHORIZED, incorrect + "the acmeIdentifier"
                    + " extension does not hold a DER OCTET STRING of 32 bytes");
        }
        if (!MessageDigest.isEqual(digest, sha256(keyAuthorization))) {
            throw new Refusal(ValidationOutcome.INCORRECT_RESPONSE, incorrect + "the"
                    + " acmeIdentifier extension holds another digest than SHA-256 of the key"
                    + " authorization \"" + keyAuthorization + "\"");
        }
    }

    /** The subjectAltName entries, each dNSName as its name and any other kind as a note. */
    private static List<String> dnsNames(X509Certificate certificate, String incorrect)
            throws Refusal {
        try {
            var entries = certificate.getSubjectAlternativeNames();
            if (entries == null) {
                return List.of();
            }
            return entries.stream()
                    .map(e -> (Integer) e.get(0) == DNS_NAME && e.get(1) instanceof String name
                            ? printable(name) : "an entry of another type than dNSName")
                    .toList();
        } catch (CertificateParsingException e) {
            throw new Refusal(ValidationOutcome.UNAUTHORIZED,
                    incorrect + "its subjectAltName cannot be parsed");
        }
    }

    /**
     * The content of the DER OCTET STRING that {@link X509Certificate#getExtensionValue} wraps
     * around extnValue, or null when it is not one. Only short-form lengths: extnValue here is
     * 34 bytes.
     */
    private static byte[] octetString(byte[] der) {
        if (der.length < 2 || der[0] != 0x04 || (der[1] & 0x80) != 0
                || der[1] != der.length - 2) {
            return null;
        }
        return Arrays.copyOfRange(der, 2, der.length);
    }

    /** Authorization ::= OCTET STRING (SIZE (32)) of RFC 8737 §6.1, or null. */
    private static byte[] authorization(byte[] extnValue) {
        if (extnValue == null) {
            return null;
        }
        var content = octetString(extnValue);
        return content != null && content.length == SHA256_LENGTH ? content : null;
    }

    static byte[] sha256(String keyAuthorization) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(keyAuthorization.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static Refusal timedOut(String where) {
        return new Refusal(ValidationOutcome.CONNECTION, "Connecting to " + where
                + ": no TLS handshake completed within the time limit");
    }

    /** Turns a socket exception into a client-facing refusal, without class names. */
    private static Refusal refusal(String where, IOException e) {
        String what;
        if (e instanceof SocketTimeoutException) {
            what = "timeout";
        } else if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
            what = "connection refused or unreachable";
        } else if (e instanceof SSLException) {
            what = "the TLS handshake failed";
        } else {
            what = "the connection failed";
        }
        LOG.debugf(e, "tls-alpn-01: connecting to %s", where);
        return new Refusal(ValidationOutcome.CONNECTION, "Connecting to " + where + ": " + what);
    }

    private static String printable(String s) {
        var cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?").toLowerCase(Locale.ROOT);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing a tls-alpn-01 socket", e);
        }
    }

    /** A failed validation on its way out. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        private final String problemType;

        Refusal(String problemType, String detail) {
            super(detail, null, false, false);
            this.problemType = problemType;
        }
    }
}
