package io.mailca.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mailca.testsupport.KnotServer;

import java.net.InetSocketAddress;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The harness's DNSSEC-signed zone: what DANE publishing tests build on. */
class KnotSignedZoneTest {

    private static KnotServer knot;

    @BeforeAll
    static void start() {
        knot = KnotServer.builder()
                .signedZone("example.test", KnotServer.soa("example.test") + "mx1 A 127.0.0.1\n")
                .start();
    }

    @AfterAll
    static void stop() {
        if (knot != null) {
            knot.close();
        }
    }

    @Test
    void updatedTlsaRecordIsServedSigned() {
        knot.replace("example.test",
                "_25._tcp.mx1 60 TLSA 3 1 1 "
                        + "0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6");

        var dig = knot.kdig("+dnssec", "_25._tcp.mx1.example.test", "TLSA");

        assertThat(dig).contains("TLSA\t3 1 1 "
                + "0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6");
        assertThat(dig).contains("RRSIG\tTLSA 13 5 60");
    }

    @Test
    void authoritativeAnswerHasAaButNoAd() {
        var response = knot.query("mx1.example.test", Type.A);

        assertThat(response.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(response.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(response.getHeader().getFlag(Flags.AD)).isFalse();
        assertThat(response.getSection(Section.ANSWER)).singleElement()
                .satisfies(r -> assertThat(r.rdataToString()).isEqualTo("127.0.0.1"));
    }

    @Test
    void askAuthoritativeReadsWhatTheServerItselfServes() throws Exception {
        var dns = new DnsClient(knot.address(), Duration.ofSeconds(2));
        var server = new InetSocketAddress("127.0.0.1", knot.port());

        var answer = dns.askAuthoritative(server, "mx1.example.test", Type.A,
                Duration.ofSeconds(2));

        assertThat(answer.rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.authenticated()).isFalse();
        assertThat(answer.records()).singleElement()
                .satisfies(r -> assertThat(r.rdataToString()).isEqualTo("127.0.0.1"));
        // A zone the server does not serve is refused, not answered.
        assertThatThrownBy(() -> dns.askAuthoritative(server, "mx1.elsewhere.test", Type.A,
                Duration.ofSeconds(2))).isInstanceOfSatisfying(DnsException.class,
                        e -> assertThat(e.kind()).isEqualTo(DnsException.Kind.ERROR_RCODE));
    }

    @Test
    void keymgrReadsTheConfigForTheDsRecord() throws Exception {
        var p = new ProcessBuilder("keymgr", "-c", knot.configFile().toString(), "example.test",
                "ds").redirectErrorStream(true).start();
        var out = new String(p.getInputStream().readAllBytes());

        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).startsWith("example.test. DS ");
    }
}
