package io.mailca.dane;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A small SMTP server for tests that speaks just enough ESMTP for STARTTLS (RFC 3207): greeting,
 * EHLO with the STARTTLS extension, STARTTLS, then a TLS handshake presenting the chain set
 * with {@link #serve}, which a test may change between connections (a deployed renewal).
 */
public final class StartTlsSmtpServer implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread thread;
    private volatile SSLContext tls;

    public StartTlsSmtpServer(int port) throws IOException {
        this(InetAddress.getLoopbackAddress(), port);
    }

    /** Listens on {@code address}, e.g. port 25 of another loopback address (an MX host). */
    public StartTlsSmtpServer(InetAddress address, int port) throws IOException {
        socket = new ServerSocket(port, 10, address);
        thread = new Thread(this::acceptLoop, "starttls-smtp-" + port);
        thread.setDaemon(true);
        thread.start();
    }

    /** Presents {@code chain} (leaf first) with {@code key} from the next connection on. */
    public void serve(PrivateKey key, List<X509Certificate> chain) {
        try {
            var store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("mail", key, new char[0], chain.toArray(new X509Certificate[0]));
            var factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, new char[0]);
            var context = SSLContext.getInstance("TLS");
            context.init(factory.getKeyManagers(), null, null);
            tls = context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return socket.getLocalPort();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try (var client = socket.accept()) {
                client.setSoTimeout(10_000);
                session(client);
            } catch (IOException e) {
                // A probe that hangs up early, or the server closing.
            }
        }
    }

    private void session(Socket client) throws IOException {
        var in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                StandardCharsets.US_ASCII));
        var out = client.getOutputStream();
        out.write("220 mx.test ESMTP test server\r\n".getBytes(StandardCharsets.US_ASCII));
        String line;
        while ((line = in.readLine()) != null) {
            var verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line;
            if (verb.equals("EHLO")) {
                out.write("250-mx.test\r\n250 STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            } else if (line.equalsIgnoreCase("STARTTLS")) {
                out.write("220 2.0.0 ready\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                try (var secure = (SSLSocket) tls.getSocketFactory().createSocket(client,
                        null, client.getPort(), false)) {
                    secure.setUseClientMode(false);
                    secure.startHandshake();
                    // Hold the session until the client has read the chain and hangs up.
                    secure.getInputStream().read();
                }
                return;
            } else if (verb.equals("QUIT")) {
                out.write("221 bye\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            } else {
                out.write("502 5.5.2 not here\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
