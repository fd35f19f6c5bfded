package io.mailca.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.mailca.dns.DnsException.Kind;
import io.mailca.testsupport.KnotServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

class DnsClientTest {

    private static final String BIG = IntStream.range(0, 12)
            .mapToObj(i -> "\"" + String.valueOf((char) ('a' + i)).repeat(200) + "\"")
            .collect(Collectors.joining(" "));

    private static final String ZONE = KnotServer.soa("example.test") + """
            txt1 TXT "hello"
            multi TXT "one" "two"
            multi TXT "three"
            alias CNAME alias2
            alias2 CNAME txt1
            ext CNAME target.other.test.
            dangling CNAME nothing-here
            loop1 CNAME loop2
            loop2 CNAME loop1
            self CNAME self
            mx1 A 127.0.0.1
            dual A 192.0.2.1
            dual AAAA 2001:db8::1
            dual TXT "dual"
            big TXT %s
            """.formatted(BIG) + IntStream.range(0, 12)
            .mapToObj(i -> "c" + i + " CNAME c" + (i + 1) + "\n")
            .collect(Collectors.joining()) + "c12 TXT \"end\"\n";

    private static final String OTHER = KnotServer.soa("other.test") + """
            target TXT "across zones"
            target A 192.0.2.7
            """;

    private static KnotServer knot;
    private static DnsClient dns;

    @BeforeAll
    static void start() {
        knot = KnotServer.builder().zone("example.test", ZONE).zone("other.test", OTHER).start();
        dns = new DnsClient(knot.address(), Duration.ofSeconds(2));
    }

    @AfterAll
    static void stop() {
        if (knot != null) {
            knot.close();
        }
    }

    static Stream<Arguments> txtCases() {
        return Stream.of(
                Arguments.of("ok/one record", "txt1.example.test", List.of("hello")),
                Arguments.of("ok/strings of a record are joined", "multi.example.test",
                        List.of("onetwo", "three")),
                Arguments.of("ok/trailing dot and upper case", "TXT1.Example.Test.",
                        List.of("hello")),
                Arguments.of("ok/cname chain in zone", "alias.example.test", List.of("hello")),
                Arguments.of("ok/cname to another zone", "ext.example.test",
                        List.of("across zones")),
                Arguments.of("ok/ten cnames are allowed", "c2.example.test", List.of("end")),
                Arguments.of("ok/no txt at an existing name", "mx1.example.test", List.of()),
                Arguments.of("ok/large answer over tcp", "big.example.test",
                        List.of(IntStream.range(0, 12)
                                .mapToObj(i -> String.valueOf((char) ('a' + i)).repeat(200))
                                .collect(Collectors.joining()))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("txtCases")
    void txt(String name, String host, List<String> expected) throws DnsException {
        assertThat(dns.txt(host)).containsExactlyElementsOf(expected);
    }

    static Stream<Arguments> failureCases() {
        return Stream.of(
                Arguments.of("fail/nxdomain", "nope.example.test", Kind.NXDOMAIN,
                        "DNS problem: NXDOMAIN looking up TXT for nope.example.test - check that"
                                + " a DNS record exists for this name"),
                Arguments.of("fail/cname to nothing", "dangling.example.test", Kind.NXDOMAIN,
                        "DNS problem: NXDOMAIN looking up TXT for dangling.example.test - check"
                                + " that a DNS record exists for this name"),
                Arguments.of("fail/cname loop", "loop1.example.test", Kind.CNAME_LOOP,
                        "DNS problem: CNAME loop at loop1.example.test looking up TXT for"
                                + " loop1.example.test"),
                Arguments.of("fail/cname to itself", "self.example.test", Kind.CNAME_LOOP,
                        "DNS problem: CNAME loop at self.example.test looking up TXT for"
                                + " self.example.test"),
                Arguments.of("fail/cname chain too long", "c0.example.test",
                        Kind.CNAME_CHAIN_TOO_LONG, "DNS problem: more than 10 CNAMEs looking up"
                                + " TXT for c0.example.test"),
                Arguments.of("fail/refused outside the server's zones", "www.elsewhere.test",
                        Kind.ERROR_RCODE,
                        "DNS problem: REFUSED looking up TXT for www.elsewhere.test"),
                Arguments.of("fail/invalid name", "a..b", Kind.INVALID_NAME,
                        "\"a..b\" is not a valid domain name"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failureCases")
    void txtFailures(String name, String host, Kind kind, String detail) {
        assertThatThrownBy(() -> dns.txt(host))
                .isInstanceOfSatisfying(DnsException.class, e -> {
                    assertThat(e.kind()).isEqualTo(kind);
                    assertThat(e.getMessage()).isEqualTo(detail);
                });
    }

    static Stream<Arguments> addressCases() {
        return Stream.of(
                Arguments.of("ok/a only", "mx1.example.test", List.of("127.0.0.1")),
                Arguments.of("ok/aaaa first then a", "dual.example.test",
                        List.of("2001:db8:0:0:0:0:0:1", "192.0.2.1")),
                Arguments.of("ok/through a cname to another zone", "ext.example.test",
                        List.of("192.0.2.7")),
                Arguments.of("ok/no address records", "txt1.example.test", List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("addressCases")
    void addresses(String name, String host, List<String> expected) throws DnsException {
        assertThat(dns.addresses(host)).map(InetAddress::getHostAddress)
                .containsExactlyElementsOf(expected);
    }

    @Test
    void addressesOfMissingHostIsNxdomain() {
        assertThatThrownBy(() -> dns.addresses("nope.example.test"))
                .isInstanceOfSatisfying(DnsException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.NXDOMAIN);
                    assertThat(e.getMessage()).isEqualTo("DNS problem: NXDOMAIN looking up A for"
                            + " nope.example.test - check that a DNS record exists for this name");
                });
    }

    @Test
    void lookupReportsChainRcodeAndNoAuthenticationFromAnAuthoritativeServer()
            throws DnsException {
        var answer = dns.lookup("alias.example.test", Type.TXT);

        assertThat(answer.name()).isEqualTo("alias.example.test");
        assertThat(answer.rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.cnames()).containsExactly("alias2.example.test", "txt1.example.test");
        assertThat(answer.records()).hasSize(1);
        assertThat(answer.records().get(0).rdataToString()).isEqualTo("\"hello\"");
        assertThat(answer.authenticated()).isFalse();
    }

    @Test
    void lookupReturnsNxdomainAsAnAnswer() throws DnsException {
        var answer = dns.lookup("nope.example.test", Type.CAA);

        assertThat(answer.nxdomain()).isTrue();
        assertThat(answer.records()).isEmpty();
    }

    @Test
    void lookupOfCnameTypeDoesNotFollow() throws DnsException {
        var answer = dns.lookup("alias.example.test", Type.CNAME);

        assertThat(answer.cnames()).isEmpty();
        assertThat(answer.records()).singleElement()
                .satisfies(r -> assertThat(r.rdataToString()).isEqualTo("alias2.example.test."));
    }

    private static final Duration TWO_SECONDS = Duration.ofSeconds(2);

    @Test
    void askAuthoritativeAsksThatServerAndFollowsNoCname() throws DnsException {
        // A client whose own resolver goes nowhere: the answer can only come from the server
        // named in the call.
        var elsewhere = new DnsClient("127.0.0.1:9", Duration.ofSeconds(2));
        var server = new InetSocketAddress("127.0.0.1", knot.port());

        var txt = elsewhere.askAuthoritative(server, "TXT1.example.test.", Type.TXT,
                TWO_SECONDS);
        assertThat(txt.rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(txt.records()).singleElement()
                .satisfies(r -> assertThat(r.rdataToString()).isEqualTo("\"hello\""));
        assertThat(txt.authenticated()).isFalse();
        assertThat(elsewhere.askAuthoritative(server, "alias.example.test", Type.TXT,
                TWO_SECONDS).records())
                .isEmpty();
        assertThat(elsewhere.askAuthoritative(server, "nope.example.test", Type.TXT,
                TWO_SECONDS).nxdomain())
                .isTrue();
    }

    @Test
    void seesAnUpdateAtOnce() throws DnsException {
        knot.replace("example.test", "fresh 60 TXT \"v1\"");
        assertThat(dns.txt("fresh.example.test")).containsExactly("v1");

        knot.replace("example.test", "fresh 60 TXT \"v2\"", "fresh 60 TXT \"v3\"");
        assertThat(dns.txt("fresh.example.test")).containsExactlyInAnyOrder("v2", "v3");
    }

    @Test
    void silentResolverTimesOut() throws Exception {
        try (var silent = new DatagramSocket(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            var client = new DnsClient("127.0.0.1:" + silent.getLocalPort(),
                    Duration.ofMillis(300));
            var started = System.nanoTime();

            assertThatThrownBy(() -> client.txt("txt1.example.test"))
                    .isInstanceOfSatisfying(DnsException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
                        assertThat(e.getMessage()).isEqualTo(
                                "DNS problem: query timed out looking up TXT for"
                                        + " txt1.example.test");
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(
                    Duration.ofSeconds(2));
        }
    }

    @Test
    void servfailIsReported() throws Exception {
        try (var socket = new DatagramSocket(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            var responder = new Thread(() -> answerServfail(socket));
            responder.setDaemon(true);
            responder.start();
            var client = new DnsClient("127.0.0.1:" + socket.getLocalPort(),
                    Duration.ofSeconds(2));

            assertThatThrownBy(() -> client.txt("broken.example.test"))
                    .isInstanceOfSatisfying(DnsException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.SERVFAIL);
                        assertThat(e.getMessage()).isEqualTo("DNS problem: SERVFAIL looking up"
                                + " TXT for broken.example.test - the name's nameservers may be"
                                + " malfunctioning");
                    });
        }
    }

    private static void answerServfail(DatagramSocket socket) {
        try {
            var buffer = new byte[1500];
            var packet = new DatagramPacket(buffer, buffer.length);
            socket.receive(packet);
            var query = new Message(java.util.Arrays.copyOf(buffer, packet.getLength()));
            var response = new Message(query.getHeader().getID());
            response.getHeader().setFlag(Flags.QR);
            response.getHeader().setRcode(Rcode.SERVFAIL);
            response.addRecord(query.getQuestion(), org.xbill.DNS.Section.QUESTION);
            var wire = response.toWire();
            socket.send(new DatagramPacket(wire, wire.length, packet.getSocketAddress()));
        } catch (Exception ignored) {
            // The socket closes when the test ends.
        }
    }
}
