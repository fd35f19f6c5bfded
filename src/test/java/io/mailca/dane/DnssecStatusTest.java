package io.mailca.dane;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.KnotServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.mailca.dns.DnsClient;
import io.mailca.dns.DnsException;
import io.mailca.dns.DnssecValidator;
import io.mailca.dns.SecurityStatus;
import java.time.Duration;
import java.util.Optional;
import org.xbill.DNS.Type;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNSSEC status the way a sending MTA sees it, with example.test's DS as the only trust anchor
 * (keymgr prints it from the key Knot signs with): a TLSA answer from the signed zone is secure;
 * from an unsigned zone, or a signed zone without a DS chain to the anchor, it is insecure; an
 * anchor that matches no key of the zone makes it bogus. Both kinds of validator are tried: the
 * in-process one (dnsjava's, over Knot itself), and a real external validating resolver
 * (unbound) whose AD bit MailCA trusts.
 */
class DnssecStatusTest {
    static final String TLSA = " 3600 TLSA 3 1 1 " + "0a".repeat(32) + "\n";

    @TempDir
    static Path dir;
    static KnotServer knot;
    static Process unbound;
    static int unboundPort;
    static String exampleDs;

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
        exampleDs = ds.trim();
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
                DnssecValidator.trustingAdBit(resolver(), Duration.ofMillis(500))
                        .validate("_25._tcp.mx1.unsigned.test", Type.TLSA);
                return;
            } catch (DnsException notYet) {
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

    static String resolver() {
        return "127.0.0.1:" + unboundPort;
    }

    static SecurityStatus external(String owner) throws DnsException {
        return DnssecValidator.trustingAdBit(resolver(), Duration.ofSeconds(5))
                .validate(owner, Type.TLSA).security();
    }

    /** The in-process validator over Knot, with {@code anchors} as its trust-anchor file. */
    static DnssecValidator inProcess(boolean rootAnchors, String anchors) throws IOException {
        var file = Files.createTempFile(dir, "anchors", ".txt");
        Files.writeString(file, anchors);
        return new DnsClient(knot.address(), Duration.ofSeconds(5)).inProcessValidator(
                Optional.empty(), Duration.ofSeconds(5), rootAnchors, Optional.of(file));
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
    void ok_inProcess_signedZoneWithTrustAnchorIsSecure() throws Exception {
        // The root's KSKs alongside, as in production: the closest anchor is example.test's.
        var answer = inProcess(true, exampleDs + "\n").validate("_25._tcp.mx1.example.test",
                Type.TLSA);

        assertThat(answer.security()).as(answer.reason()).isEqualTo(SecurityStatus.SECURE);
        assertThat(answer.records()).singleElement().satisfies(r -> assertThat(r.rdataToString())
                .isEqualToIgnoringCase("3 1 1 " + "0a".repeat(32)));
    }

    @Test
    void fail_inProcess_signedZoneWithoutDsChainIsInsecure() throws Exception {
        var answer = inProcess(false, exampleDs + "\n").validate("_25._tcp.mx1.nods.test",
                Type.TLSA);

        assertThat(answer.security()).isEqualTo(SecurityStatus.INSECURE);
        assertThat(answer.records()).hasSize(1);
    }

    @Test
    void fail_inProcess_unsignedZoneIsInsecure() throws Exception {
        var answer = inProcess(false, exampleDs + "\n").validate("_25._tcp.mx1.unsigned.test",
                Type.TLSA);

        assertThat(answer.security()).isEqualTo(SecurityStatus.INSECURE);
    }

    @Test
    void fail_inProcess_anAnchorThatMatchesNoKeyIsBogusUntilTheFileIsFixed() throws Exception {
        // nods.test is signed, but with another key than example.test's, which this DS names.
        var wrong = exampleDs.replaceFirst("^example\\.test\\.", "nods.test.");
        var file = Files.createTempFile(dir, "anchors", ".txt");
        Files.writeString(file, wrong + "\n");
        var validator = new DnsClient(knot.address(), Duration.ofSeconds(5)).inProcessValidator(
                Optional.empty(), Duration.ofSeconds(5), false, Optional.of(file));

        var bogus = validator.validate("_25._tcp.mx1.nods.test", Type.TLSA);
        assertThat(bogus.security()).as(bogus.reason()).isEqualTo(SecurityStatus.BOGUS);
        assertThat(bogus.reason()).contains("chain of trust to keys for [nods.test.]");
        assertThat(bogus.secure()).isFalse();
        assertThat(bogus.records()).isEmpty();

        // The operator puts the right anchor in; the same validator reads it at the next check.
        Files.writeString(file, keymgr("nods.test", "ds").lines()
                .filter(l -> l.contains(" DS ")).findFirst().orElseThrow() + "\n");
        assertThat(validator.validate("_25._tcp.mx1.nods.test", Type.TLSA).security())
                .isEqualTo(SecurityStatus.SECURE);
    }

    @Test
    void fail_inProcess_anUnreadableAnchorFileIsIndeterminate() throws Exception {
        var validator = new DnsClient(knot.address(), Duration.ofSeconds(5)).inProcessValidator(
                Optional.empty(), Duration.ofSeconds(5), false,
                Optional.of(dir.resolve("no-such-file")));

        var answer = validator.validate("_25._tcp.mx1.example.test", Type.TLSA);

        assertThat(answer.security()).isEqualTo(SecurityStatus.INDETERMINATE);
        assertThat(answer.reason()).startsWith("the trust anchors cannot be read");
    }

    @Test
    void ok_external_signedZoneWithTrustAnchorIsSecure() throws Exception {
        assertThat(external("_25._tcp.mx1.example.test")).as(kdig("_25._tcp.mx1.example.test")
                + keymgr("example.test", "ds") + Files.readString(dir.resolve("unbound.log")))
                .isEqualTo(SecurityStatus.SECURE);
    }

    @Test
    void fail_external_signedZoneWithoutDsChainIsInsecure() throws Exception {
        assertThat(kdig("_25._tcp.mx1.nods.test")).contains("NOERROR").contains("TLSA\t3 1 1");
        assertThat(external("_25._tcp.mx1.nods.test")).isEqualTo(SecurityStatus.INSECURE);
    }

    @Test
    void fail_external_unsignedZoneIsInsecure() throws Exception {
        // The answer exists (NOERROR with the record), it is just not validated.
        assertThat(kdig("_25._tcp.mx1.unsigned.test")).contains("NOERROR").contains("TLSA\t3 1 1");
        assertThat(external("_25._tcp.mx1.unsigned.test")).isEqualTo(SecurityStatus.INSECURE);
    }
}
