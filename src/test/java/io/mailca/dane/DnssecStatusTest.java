package io.mailca.dane;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.KnotServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNSSEC status the way a sending MTA sees it, through a real validating resolver (unbound)
 * whose only trust anchor is example.test's DS: a TLSA answer from the signed zone is secure;
 * from an unsigned zone, or a signed zone without a DS chain to the anchor, it is not.
 */
class DnssecStatusTest {
    static final String TLSA = " 3600 TLSA 3 1 1 " + "0a".repeat(32) + "\n";

    @TempDir
    static Path dir;
    static KnotServer knot;
    static Process unbound;
    static int unboundPort;

    @BeforeAll
    static void start() throws Exception {
        knot = KnotServer.builder()
                .signedZone("example.test", KnotServer.soa("example.test")
                        + "_25._tcp.mx1" + TLSA)
                .signedZone("nods.test", KnotServer.soa("nods.test") + "_25._tcp.mx1" + TLSA)
                .zone("unsigned.test", KnotServer.soa("unsigned.test") + "_25._tcp.mx1" + TLSA)
                .start();
        var ds = keymgr("example.test", "ds").lines()
                .filter(l -> l.contains(" DS ")).findFirst().orElseThrow();
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            unboundPort = socket.getLocalPort();
        }
        var stub = "127.0.0.1@" + knot.port();
        var config = "server:\n"
                + "  interface: 127.0.0.1\n  port: " + unboundPort + "\n"
                + "  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n"
                + "  directory: \"" + dir + "\"\n  pidfile: \"\"\n"
                + "  use-syslog: no\n  logfile: \"\"\n"
                + "  do-not-query-localhost: no\n"
                + "  module-config: \"validator iterator\"\n"
                + "  val-log-level: 2\n"
                // unbound answers the special-use name test. itself (RFC 6761) unless told not.
                + "  local-zone: \"test.\" nodefault\n"
                + "  trust-anchor: \"" + ds.trim() + "\"\n"
                + "  domain-insecure: \"unsigned.test\"\n"
                + stubZone("example.test", stub) + stubZone("nods.test", stub)
                + stubZone("unsigned.test", stub);
        Files.writeString(dir.resolve("unbound.conf"), config);
        unbound = new ProcessBuilder("unbound", "-d", "-c", dir.resolve("unbound.conf")
                .toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("unbound.log").toFile()).start();
        awaitUnbound();
    }

    static String stubZone(String zone, String address) {
        return "stub-zone:\n  name: \"" + zone + "\"\n  stub-addr: " + address + "\n";
    }

    static String keymgr(String... args) throws Exception {
        var command = new java.util.ArrayList<>(java.util.List.of("keymgr", "-c",
                knot.configFile().toString()));
        command.addAll(java.util.List.of(args));
        var p = new ProcessBuilder(command).redirectErrorStream(true).start();
        var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    static void awaitUnbound() throws Exception {
        for (var i = 0; i < 100; i++) {
            try {
                TlsaVerifier.authenticated(resolver(), "_25._tcp.mx1.unsigned.test",
                        Duration.ofMillis(500));
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("unbound did not start:\n"
                + Files.readString(dir.resolve("unbound.log")));
    }

    static String kdig(String name) throws Exception {
        var p = new ProcessBuilder("kdig", "@127.0.0.1", "-p", String.valueOf(unboundPort),
                "+dnssec", name, "TLSA").redirectErrorStream(true).start();
        var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    static InetSocketAddress resolver() {
        return new InetSocketAddress("127.0.0.1", unboundPort);
    }

    @AfterAll
    static void stop() {
        if (unbound != null) {
            unbound.destroy();
        }
        if (knot != null) {
            knot.close();
        }
    }

    @Test
    void ok_signedZoneWithTrustAnchorIsSecure() throws Exception {
        assertThat(TlsaVerifier.authenticated(resolver(), "_25._tcp.mx1.example.test",
                Duration.ofSeconds(5))).as(kdig("_25._tcp.mx1.example.test") + keymgr(
                "example.test", "ds") + Files.readString(dir.resolve("unbound.log")))
                .isTrue();
    }

    @Test
    void fail_signedZoneWithoutDsChainIsInsecure() throws Exception {
        assertThat(kdig("_25._tcp.mx1.nods.test")).contains("NOERROR").contains("TLSA\t3 1 1");
        assertThat(TlsaVerifier.authenticated(resolver(), "_25._tcp.mx1.nods.test",
                Duration.ofSeconds(5))).isFalse();
    }

    @Test
    void fail_unsignedZoneIsInsecure() throws Exception {
        // The answer exists (NOERROR with the record), it is just not validated.
        assertThat(kdig("_25._tcp.mx1.unsigned.test")).contains("NOERROR").contains("TLSA\t3 1 1");
        assertThat(TlsaVerifier.authenticated(resolver(), "_25._tcp.mx1.unsigned.test",
                Duration.ofSeconds(5))).isFalse();
    }
}
