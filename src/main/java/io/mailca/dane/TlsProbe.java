package io.mailca.dane;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Connects to a mail service the way a sending MTA or mail client does and returns the
 * certificate chain it presents: STARTTLS for SMTP (RFC 3207), IMAP (RFC 3501 §6.2.1) and POP3
 * (RFC 2595 §4), TLS from the first byte for submissions, imaps and pop3s (RFC 8314 §3), on
 * whatever port the service runs. It trusts everything: it only looks, and the caller judges
 * the chain.
 */
public final class TlsProbe {
    private final Duration timeout;

    public TlsProbe(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * The chain {@code host} presents for {@code service} at {@code address}, leaf first.
     *
     * @throws IOException when the connection, the dialogue or the handshake fails
     */
    public List<X509Certificate> chain(String host, MailService service,
            InetSocketAddress address) throws IOException {
        try (var plain = new Socket()) {
            plain.connect(address, (int) timeout.toMillis());
            plain.setSoTimeout((int) timeout.toMillis());
            var in = plain.getInputStream();
            var out = plain.getOutputStream();
            switch (service.start()) {
                case SMTP -> smtp(in, out);
                case IMAP -> imap(in, out);
                case POP3 -> pop3(in, out);
                case IMPLICIT -> {
                }
            }
            try (var tls = (SSLSocket) trustAll().getSocketFactory().createSocket(plain,
                    host, address.getPort(), false)) {
                var parameters = tls.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName(host)));
                tls.setSSLParameters(parameters);
                tls.startHandshake();
                var result = new ArrayList<X509Certificate>();
                for (var c : tls.getSession().getPeerCertificates()) {
                    result.add((X509Certificate) c);
                }
                return result;
            }
        }
    }

    private static void smtp(InputStream in, OutputStream out) throws IOException {
        expect(smtpReply(in), "220", "greeting");
        send(out, "EHLO mailca-probe.invalid");
        expect(smtpReply(in), "250", "EHLO");
        send(out, "STARTTLS");
        expect(smtpReply(in), "220", "STARTTLS");
    }

    private static void imap(InputStream in, OutputStream out) throws IOException {
        expect(line(in), "* OK", "greeting");
        send(out, "a STARTTLS");
        String line;
        do {
            line = line(in);
        } while (line.startsWith("* "));
        expect(line, "a OK", "STARTTLS");
    }

    private static void pop3(InputStream in, OutputStream out) throws IOException {
        expect(line(in), "+OK", "greeting");
        send(out, "STLS");
        expect(line(in), "+OK", "STLS");
    }

    /** The last line of a multi-line SMTP reply (RFC 5321 §4.2.1). */
    private static String smtpReply(InputStream in) throws IOException {
        String line;
        do {
            line = line(in);
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    private static void expect(String line, String prefix, String step) throws IOException {
        if (!line.startsWith(prefix)) {
            throw new IOException("unexpected answer to " + step + ": "
                    + (line.length() > 100 ? line.substring(0, 100) : line));
        }
    }

    private static void send(OutputStream out, String command) throws IOException {
        out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** One line, read byte by byte so that no TLS byte is consumed by a buffer. */
    private static String line(InputStream in) throws IOException {
        var buffer = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (buffer.size() > 4096) {
                throw new IOException("line too long");
            }
            buffer.write(b);
        }
        if (b == -1 && buffer.size() == 0) {
            throw new IOException("connection closed");
        }
        return buffer.toString(StandardCharsets.US_ASCII).stripTrailing();
    }

    private static SSLContext trustAll() throws IOException {
        try {
            var context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String type) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String type) {
                    // The probe only looks; ProbeRunner judges the chain against TLSA and root.
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("no TLS context", e);
        }
    }
}
