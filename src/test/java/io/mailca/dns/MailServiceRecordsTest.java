package io.mailca.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.dns.MailServiceRecords.Target;
import io.mailca.testsupport.KnotServer;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** MX and mail-service SRV records read from a real Knot server, and lookups that fail. */
class MailServiceRecordsTest {
    static KnotServer knot;

    @BeforeAll
    static void start() {
        knot = KnotServer.builder().zone("example.test", KnotServer.soa("example.test") + """
                @ MX 10 MX1
                @ MX 20 mx2.example.test.
                _submission._tcp SRV 0 1 587 mail
                _imaps._tcp SRV 0 1 993 mail
                _imaps._tcp SRV 10 1 9993 imap-alt
                _pop3._tcp SRV 0 0 0 .
                """).zone("example.org", KnotServer.soa("example.org") + """
                @ MX 10 mx1.example.test.
                _submissions._tcp SRV 0 1 465 mail.example.test.
                """).start();
    }

    @AfterAll
    static void stop() {
        knot.close();
    }

    @Test
    void everyRecordNamingAHostPerDomainMxFirst() {
        var dns = new DnsClient(knot.address(), Duration.ofSeconds(2));

        var found = new MailServiceRecords(dns).lookUp(List.of("example.test", "example.org."),
                true, true);

        assertThat(found.failures()).isEmpty();
        // Knot answers an RRset in its own order: compare per domain and service as sets.
        assertThat(found.targets()).containsExactlyInAnyOrder(
                new Target("mx1.example.test", "smtp", 25, "MX of example.test"),
                new Target("mx2.example.test", "smtp", 25, "MX of example.test"),
                new Target("mail.example.test", "submission", 587,
                        "SRV _submission._tcp.example.test"),
                new Target("mail.example.test", "imaps", 993, "SRV _imaps._tcp.example.test"),
                new Target("imap-alt.example.test", "imaps", 9993,
                        "SRV _imaps._tcp.example.test"),
                new Target("mx1.example.test", "smtp", 25, "MX of example.org"),
                new Target("mail.example.test", "submissions", 465,
                        "SRV _submissions._tcp.example.org"));
        assertThat(found.targets().get(0).record()).isEqualTo("MX of example.test");
        assertThat(found.targets().get(found.targets().size() - 1).record())
                .isEqualTo("SRV _submissions._tcp.example.org");
        assertThat(found.naming("MX1.Example.Test.")).extracting(Target::record)
                .containsExactly("MX of example.test", "MX of example.org");
    }

    @Test
    void onlyTheAskedKindsAreLookedUp() {
        var dns = new DnsClient(knot.address(), Duration.ofSeconds(2));

        var mxOnly = new MailServiceRecords(dns).lookUp(List.of("example.org"), true, false);
        var srvOnly = new MailServiceRecords(dns).lookUp(List.of("example.org"), false, true);

        assertThat(mxOnly.targets()).containsExactly(
                new Target("mx1.example.test", "smtp", 25, "MX of example.org"));
        assertThat(srvOnly.targets()).containsExactly(new Target("mail.example.test",
                "submissions", 465, "SRV _submissions._tcp.example.org"));
    }

    @Test
    void aServerThatDoesNotAnswerFailsEveryServiceAndThrowsNothing() throws Exception {
        // A bound UDP socket that never answers: each query times out.
        try (var silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            var dns = new DnsClient("127.0.0.1:" + silent.getLocalPort(),
                    Duration.ofMillis(200));

            var found = new MailServiceRecords(dns).lookUp(List.of("example.test"), true, true);

            assertThat(found.targets()).isEmpty();
            assertThat(found.failures()).containsOnlyKeys("smtp", "submission", "submissions",
                    "imap", "imaps", "pop3", "pop3s");
            assertThat(found.failures().get("smtp")).contains("example.test");
        }
    }
}
