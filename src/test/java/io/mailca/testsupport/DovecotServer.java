package io.mailca.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real IMAP and POP3 server for tests: Debian's Dovecot as a throwaway instance in the
 * foreground ({@code dovecot -F -c CONF}) with its own base and state directories, listening on
 * 127.0.0.1 only: IMAP with STARTTLS (RFC 3501 §6.2.1), IMAP over TLS (RFC 8314 §3), POP3 with
 * STLS (RFC 2595 §4) and POP3 over TLS, all presenting the chain given to {@link #serve}.
 *
 * <p>Dovecot's master process runs as root and drops its login processes to Debian's
 * {@code dovenull} user, as an installed Dovecot does; the tests run as root.
 *
 * <p>Needs the Debian packages {@code dovecot-imapd} and {@code dovecot-pop3d}.
 */
public final class DovecotServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final Path dir;
    private final int imap;
    private final int imaps;
    private final int pop3;
    private final int pop3s;
    private Process process;

    /** An instance on these loopback ports; nothing runs until {@link #serve}. */
    public DovecotServer(int imap, int imaps, int pop3, int pop3s) {
        this.imap = imap;
        this.imaps = imaps;
        this.pop3 = pop3;
        this.pop3s = pop3s;
        try {
            dir = Files.createTempDirectory("dovecot-");
            Files.createDirectories(dir.resolve("run"));
            Files.createDirectories(dir.resolve("state"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * (Re)starts Dovecot presenting {@code chainPem} (leaf first, as certbot's
     * {@code fullchain.pem}) with {@code keyPem}; returns once every listener accepts.
     */
    public synchronized void serve(String chainPem, String keyPem) {
        stop();
        try {
            Files.writeString(dir.resolve("chain.pem"), chainPem);
            Files.writeString(dir.resolve("key.pem"), keyPem);
            Files.writeString(dir.resolve("dovecot.conf"), config());
            process = new ProcessBuilder("dovecot", "-F", "-c",
                    dir.resolve("dovecot.conf").toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("dovecot.log").toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("could not start dovecot (apt-get install"
                    + " dovecot-imapd dovecot-pop3d): " + e.getMessage(), e);
        }
        awaitListeners();
    }

    /** What Dovecot has logged so far, for a failing test's message. */
    public String log() {
        return Daemons.log(dir.resolve("dovecot.log"));
    }

    @Override
    public synchronized void close() {
        stop();
        Daemons.deleteTree(dir);
    }

    private void stop() {
        if (process == null) {
            return;
        }
        // SIGTERM: the master stops its children and removes its sockets.
        Daemons.stop(process, Duration.ofSeconds(10));
        process = null;
    }

    private String config() {
        return "base_dir = " + dir.resolve("run") + "\n"
                + "state_dir = " + dir.resolve("state") + "\n"
                + "instance_name = " + dir.getFileName() + "\n"
                + "log_path = /dev/stderr\n"
                + "protocols = imap pop3\n"
                + "listen = 127.0.0.1\n"
                + "ssl = yes\n"
                + "ssl_cert = <" + dir.resolve("chain.pem") + "\n"
                + "ssl_key = <" + dir.resolve("key.pem") + "\n"
                // Nobody logs in: the probe leaves after the handshake.
                + "passdb {\n  driver = static\n  args = nopassword\n}\n"
                + "userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home="
                + dir.resolve("home") + "\n}\n"
                + "service imap-login {\n"
                + "  inet_listener imap {\n    port = " + imap + "\n  }\n"
                + "  inet_listener imaps {\n    port = " + imaps + "\n    ssl = yes\n  }\n"
                + "}\n"
                + "service pop3-login {\n"
                + "  inet_listener pop3 {\n    port = " + pop3 + "\n  }\n"
                + "  inet_listener pop3s {\n    port = " + pop3s + "\n    ssl = yes\n  }\n"
                + "}\n";
    }

    private void awaitListeners() {
        var deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        for (var port : new int[] {imap, imaps, pop3, pop3s}) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("dovecot exited with "
                            + process.exitValue() + ":\n" + log());
                }
                try (var socket = new Socket()) {
                    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                            port), 500);
                    break;
                } catch (IOException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("dovecot did not listen on " + port
                                + " within " + START_TIMEOUT.toSeconds() + " s:\n" + log());
                    }
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }
}
