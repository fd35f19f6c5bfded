package io.mailca.dane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mailca.testsupport.KnotServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 2136 publication into a real, DNSSEC-signing Knot server, and the script publisher. */
class Rfc2136PublisherTest {
    static final String OWNER = "_25._tcp.mx1.example.test";
    static final String THEIRS = "3 1 1 " + "ab".repeat(32);
    static final TlsaRecord LEAF_A = TlsaRecord.parse("3 1 1 " + "0a".repeat(32));
    static final TlsaRecord LEAF_B = TlsaRecord.parse("3 1 1 " + "0b".repeat(32));
    static final TlsaRecord CA = TlsaRecord.parse("2 1 1 " + "0c".repeat(32));

    static KnotServer knot;
    static Rfc2136Publisher publisher;

    @BeforeAll
    static void start() {
        knot = KnotServer.builder().signedZone("example.test", KnotServer.soa("example.test")
                + "mx1 A 127.0.0.1\n" + OWNER + ". 600 TLSA " + THEIRS + "\n").start();
        publisher = new Rfc2136Publisher("example.test",
                new InetSocketAddress("127.0.0.1", knot.port()), knot.tsigKeyName(),
                "hmac-sha256", knot.tsigSecret(), Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() {
        knot.close();
    }

    static List<String> served() {
        return Openssl.lines(knot.kdig("+short", OWNER, "TLSA")).stream()
                .map(l -> TlsaRecord.parse(l.replaceFirst("^(\\d+ \\d+ \\d+) ", "$1 "))
                        .toString())
                .sorted().toList();
    }

    static long ddnsUpdates() {
        return knot.log().lines().filter(l -> l.contains("DDNS, processing")).count();
    }

    @Test
    void ok_replacesOnlyMailcasRecordsKeepsOthersAndTheirTtl() throws Exception {
        var first = publisher.publish(OWNER, List.of(LEAF_A, CA), Set.of(), 3600);
        assertThat(first.sent()).isTrue();
        assertThat(first.ttl()).isEqualTo(600);
        assertThat(served()).containsExactlyInAnyOrder(THEIRS, LEAF_A.toString(),
                CA.toString());
        assertThat(knot.kdig("+noall", "+answer", OWNER, "TLSA")).contains("\t600\t");
        assertThat(knot.kdig("+dnssec", "+noall", "+answer", OWNER, "TLSA"))
                .contains("RRSIG\tTLSA");

        // Key reuse: the same RRset again sends nothing.
        var updates = ddnsUpdates();
        var count = publisher.updatesSent();
        var again = publisher.publish(OWNER, List.of(LEAF_A, CA), Set.of(LEAF_A, CA), 3600);
        assertThat(again.sent()).isFalse();
        assertThat(publisher.updatesSent()).isEqualTo(count);
        assertThat(ddnsUpdates()).isEqualTo(updates);

        // A new key: MailCA's old record goes, the other party's stays.
        var roll = publisher.publish(OWNER, List.of(LEAF_B, CA), Set.of(LEAF_A, CA), 3600);
        assertThat(roll.removed()).containsExactly(LEAF_A);
        assertThat(roll.added()).containsExactly(LEAF_B);
        assertThat(served()).containsExactlyInAnyOrder(THEIRS, LEAF_B.toString(),
                CA.toString());
        assertThat(ddnsUpdates()).isEqualTo(updates + 1);

        // Withdrawing everything of MailCA's leaves the other record alone.
        publisher.publish(OWNER, List.of(), Set.of(LEAF_A, LEAF_B, CA), 3600);
        assertThat(served()).containsExactly(THEIRS);
    }

    @Test
    void ok_emptyOwnerGetsTheConfiguredTtl() throws Exception {
        var owner = "_587._tcp.mx1.example.test";
        publisher.publish(owner, List.of(LEAF_A), Set.of(), 3600);
        assertThat(knot.kdig("+noall", "+answer", owner, "TLSA")).contains("\t3600\t");
    }

    @Test
    void fail_wrongTsigSecretIsRefused() {
        var wrong = new Rfc2136Publisher("example.test",
                new InetSocketAddress("127.0.0.1", knot.port()), knot.tsigKeyName(),
                "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=",
                Duration.ofSeconds(5));
        assertThatThrownBy(() -> wrong.publish("_993._tcp.mx1.example.test", List.of(LEAF_A),
                Set.of(), 3600)).isInstanceOf(PublishException.class)
                .hasMessageNotContaining(knot.tsigSecret());
    }

    @Test
    void fail_answerWhoseTsigDoesNotVerifyIsDiscarded() throws Exception {
        // A network path that alters Knot's answers: the last byte of each answer's MAC flips
        // (a TSIG RR without other data ends with original ID, error and other length).
        try (var path = new TamperingPath(knot.port())) {
            var tampered = new Rfc2136Publisher("example.test",
                    new InetSocketAddress("127.0.0.1", path.port()), knot.tsigKeyName(),
                    "hmac-sha256", knot.tsigSecret(), Duration.ofSeconds(5));
            var updates = ddnsUpdates();
            assertThatThrownBy(() -> tampered.publish("_465._tcp.mx1.example.test",
                    List.of(LEAF_A), Set.of(), 3600)).isInstanceOf(PublishException.class)
                    .hasMessageContaining("TSIG of the answer to the query of"
                            + " _465._tcp.mx1.example.test")
                    .hasMessageContaining("does not verify")
                    .hasMessageNotContaining(knot.tsigSecret());
            assertThat(ddnsUpdates()).isEqualTo(updates);
            assertThat(tlsaAt("_465._tcp.mx1.example.test")).isEmpty();
        }
    }

    /** Relays DNS over TCP to Knot and flips the last MAC byte of every answer. */
    static final class TamperingPath implements AutoCloseable {
        private final java.net.ServerSocket listener;

        TamperingPath(int upstream) throws java.io.IOException {
            listener = new java.net.ServerSocket(0, 5, InetAddress.getLoopbackAddress());
            var accepting = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        var client = listener.accept();
                        var server = new java.net.Socket(InetAddress.getLoopbackAddress(),
                                upstream);
                        var forward = new Thread(() -> {
                            try {
                                client.getInputStream().transferTo(server.getOutputStream());
                            } catch (java.io.IOException e) {
                                // The connection ended.
                            }
                        });
                        forward.setDaemon(true);
                        forward.start();
                        var answers = new java.io.DataInputStream(server.getInputStream());
                        var out = new java.io.DataOutputStream(client.getOutputStream());
                        try (client; server) {
                            while (true) {
                                var message = new byte[answers.readUnsignedShort()];
                                answers.readFully(message);
                                message[message.length - 7] ^= 1;
                                out.writeShort(message.length);
                                out.write(message);
                                out.flush();
                            }
                        } catch (java.io.IOException e) {
                            // The connection ended.
                        }
                    } catch (java.io.IOException e) {
                        // Closed.
                    }
                }
            });
            accepting.setDaemon(true);
            accepting.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        @Override
        public void close() throws java.io.IOException {
            listener.close();
        }
    }

    @Test
    void ok_scriptGetsTheDesiredRrsetOnStandardInput(@TempDir Path dir) throws Exception {
        var script = dir.resolve("publish.sh");
        var out = dir.resolve("out.txt");
        Files.writeString(script, "#!/bin/sh\ncat > " + out + "\necho \"$MAILCA_DANE_ZONE"
                + " $MAILCA_DANE_OWNER $MAILCA_DANE_TTL\" >> " + out
                + "\necho \"$MAILCA_DANE_PREVIOUS\" >> " + out + "\n");
        script.toFile().setExecutable(true);
        var change = new ScriptPublisher("example.test", script.toString(),
                Duration.ofSeconds(10)).publish(OWNER, List.of(LEAF_B, CA), Set.of(LEAF_A),
                3600);
        assertThat(change.sent()).isTrue();
        assertThat(Files.readString(out)).isEqualTo(OWNER + ". 3600 IN TLSA " + LEAF_B + "\n"
                + OWNER + ". 3600 IN TLSA " + CA + "\n"
                + "example.test " + OWNER + " 3600\n" + LEAF_A + "\n");
    }

    @Test
    void ok_scriptRunsAgainWhenNoAuthoritativeServerServesMailcasRecords(@TempDir Path dir)
            throws Exception {
        // An operator's script for a server MailCA does not speak to, here Knot's knsupdate.
        var owner = "_995._tcp.mx1.example.test";
        var runs = dir.resolve("runs.txt");
        var script = dir.resolve("publish.sh");
        Files.writeString(script, "#!/bin/sh\necho run >> " + runs + "\n{\n"
                + "  echo 'server 127.0.0.1 " + knot.port() + "'\n"
                + "  echo 'zone example.test.'\n"
                + "  printf '%s\\n' \"$MAILCA_DANE_PREVIOUS\" | while read -r r; do\n"
                + "    [ -n \"$r\" ] && echo \"del $MAILCA_DANE_OWNER. TLSA $r\"\n  done\n"
                + "  while read -r line; do echo \"add $line\"; done\n"
                + "  echo send\n"
                + "} | knsupdate -y hmac-sha256:" + knot.tsigKeyName() + ":" + knot.tsigSecret()
                + "\n");
        script.toFile().setExecutable(true);
        var dns = new io.mailca.dns.DnsClient(knot.address(), Duration.ofSeconds(2));
        var servers = List.of(new InetSocketAddress("127.0.0.1", knot.port()));
        var publisher = new ScriptPublisher("example.test", script.toString(),
                Duration.ofSeconds(10), o -> TlsaVerifier.served(dns, servers, o,
                        Duration.ofSeconds(2)));

        assertThat(publisher.publish(owner, List.of(LEAF_A, CA), Set.of(), 3600).sent())
                .isTrue();
        assertThat(tlsaAt(owner)).containsExactlyInAnyOrder(LEAF_A.toString(), CA.toString());

        // Served as published: the script does not run.
        var same = publisher.publish(owner, List.of(LEAF_A, CA), Set.of(LEAF_A, CA), 3600);
        assertThat(same.sent()).isFalse();
        assertThat(Files.readAllLines(runs)).hasSize(1);

        // Deleted by hand: reconciliation runs the script again and the records return.
        knot.delete("example.test", "_995._tcp.mx1", org.xbill.DNS.Type.TLSA);
        assertThat(tlsaAt(owner)).isEmpty();
        var repaired = publisher.publish(owner, List.of(LEAF_A, CA), Set.of(LEAF_A, CA), 3600);
        assertThat(repaired.sent()).isTrue();
        assertThat(repaired.added()).containsExactlyInAnyOrder(LEAF_A, CA);
        assertThat(Files.readAllLines(runs)).hasSize(2);
        assertThat(tlsaAt(owner)).containsExactlyInAnyOrder(LEAF_A.toString(), CA.toString());

        // No authoritative server answers: MailCA cannot tell, and trusts its own records.
        int closed;
        try (var socket = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        var nowhere = List.of(new InetSocketAddress("127.0.0.1", closed));
        var blind = new ScriptPublisher("example.test", script.toString(),
                Duration.ofSeconds(10), o -> TlsaVerifier.served(dns, nowhere, o,
                        Duration.ofSeconds(2)));
        knot.delete("example.test", "_995._tcp.mx1", org.xbill.DNS.Type.TLSA);
        assertThat(blind.publish(owner, List.of(LEAF_A, CA), Set.of(LEAF_A, CA), 3600).sent())
                .isFalse();
        assertThat(Files.readAllLines(runs)).hasSize(2);
    }

    static List<String> tlsaAt(String owner) {
        return Openssl.lines(knot.kdig("+short", owner, "TLSA")).stream()
                .map(l -> TlsaRecord.parse(l).toString()).sorted().toList();
    }
}
