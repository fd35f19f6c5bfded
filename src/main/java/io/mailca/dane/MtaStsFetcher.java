package io.mailca.dane;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Fetches an MTA-STS policy file the way a sending MTA does (RFC 8461 §3.3): HTTPS to
 * {@code mta-sts.DOMAIN}, the certificate validated through the JVM's trust store (the WebPKI)
 * for that name, {@code GET /.well-known/mta-sts.txt}, a {@code 200} answer only (redirects are
 * not followed), at most 64 KiB, within one timeout for the whole exchange.
 *
 * <p>One GET over a TLS socket rather than {@code java.net.http.HttpClient}: the connection
 * must go to the address {@code dns} resolves (or a configured one), while SNI and the
 * certificate check use the policy host's name; the JDK client resolves names through the
 * system resolver only. The request is HTTP/1.0, so the answer is never chunked (RFC 9112
 * §6.1) and ends where the server closes the connection.
 */
final class MtaStsFetcher {
    /** RFC 8461 §3.3: senders may limit a policy to 64 KiB. */
    static final int MAX_POLICY = 64 * 1024;
    private static final int MAX_HEAD = 16 * 1024;
    static final String PATH = "/.well-known/mta-sts.txt";

    private final Duration timeout;

    MtaStsFetcher(Duration timeout) {
        this.timeout = timeout;
    }

    /** The policy host of a mail domain (RFC 8461 §3.3). */
    static String policyHost(String domain) {
        return "mta-sts." + domain;
    }

    /**
     * The body of the policy file of {@code domain}, fetched from {@code address}.
     *
     * @throws IOException when the connection, TLS (including an untrusted certificate), the
     *     status or the size fails; the message says which, without the URL
     */
    String fetch(String domain, InetSocketAddress address) throws IOException {
        var host = policyHost(domain);
        var deadline = System.nanoTime() + timeout.toNanos();
        var millis = (int) timeout.toMillis();
        try (var plain = new Socket()) {
            plain.connect(address, millis);
            plain.setSoTimeout(millis);
            SSLSocket tls;
            try {
                tls = (SSLSocket) SSLContext.getDefault().getSocketFactory().createSocket(plain,
                        host, address.getPort(), true);
            } catch (GeneralSecurityException e) {
                throw new IOException("no TLS context: " + e.getMessage(), e);
            }
            try (tls) {
                var parameters = tls.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName(host)));
                // RFC 8461 §3.3: the certificate must be valid for the policy host (RFC 6125).
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(parameters);
                tls.startHandshake();
                var request = "GET " + PATH + " HTTP/1.0\r\nHost: " + host
                        + "\r\nUser-Agent: MailCA\r\nAccept: text/plain\r\n\r\n";
                tls.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                tls.getOutputStream().flush();
                return body(tls.getInputStream(), deadline);
            }
        }
    }

    private static String body(InputStream in, long deadline) throws IOException {
        var head = new ByteArrayOutputStream();
        var body = new ByteArrayOutputStream();
        var buffer = new byte[8192];
        var inHead = true;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the answer took too long");
            }
            if (!inHead) {
                body.write(buffer, 0, n);
            } else {
                head.write(buffer, 0, n);
                var bytes = head.toByteArray();
                var end = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                if (end >= 0) {
                    inHead = false;
                    checkHead(new String(bytes, 0, end, StandardCharsets.ISO_8859_1));
                    body.write(bytes, end + 4, bytes.length - end - 4);
                } else if (bytes.length > MAX_HEAD) {
                    throw new IOException("headers over " + MAX_HEAD + " bytes");
                }
            }
            if (body.size() > MAX_POLICY) {
                throw new IOException("the policy is larger than 64 KiB (RFC 8461 §3.3)");
            }
        }
        if (inHead) {
            throw new IOException("the connection closed before a whole answer");
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    private static void checkHead(String head) throws IOException {
        var statusLine = head.lines().findFirst().orElse("");
        var parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].toUpperCase(Locale.ROOT).startsWith("HTTP/")) {
            throw new IOException("the answer is not HTTP");
        }
        if (!parts[1].equals("200")) {
            // RFC 8461 §3.3: only 200 counts; a 3xx redirect is not followed.
            throw new IOException("answered " + parts[1] + " instead of 200");
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (var i = 0; i <= haystack.length - needle.length; i++) {
            for (var j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
