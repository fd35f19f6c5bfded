package io.mailca.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.DatagramSocket;
import java.time.Duration;
import java.util.stream.Stream;

import io.mailca.dns.DnsClient;
import io.mailca.testsupport.KnotServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Dns01ValidatorTest {

    private static final String KEY_AUTH = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
            + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
    // base64url(SHA-256(KEY_AUTH)), computed independently with openssl.
    private static final String DIGEST = "lCM7cZyQXcVHK2nnW3jjAhNT3Fvm18UN-kWZZknKoYM";

    private static KnotServer knot;
    private static Dns01Validator validator;

    @BeforeAll
    static void start() {
        knot = KnotServer.builder()
                .zone("example.test", KnotServer.soa("example.test") + """
                        mx1 A 127.0.0.1
                        _acme-challenge.mx1 TXT "%1$s"
                        _acme-challenge.multi TXT "stale-value"
                        _acme-challenge.multi TXT "%1$s"
                        _acme-challenge.wrong TXT "stale-value"
                        _acme-challenge.wrong TXT "another"
                        _acme-challenge.one TXT "stale-value"
                        _acme-challenge.none A 127.0.0.1
                        _acme-challenge.delegated CNAME mx1.acme.other.test.
                        _acme-challenge.loop CNAME _acme-challenge.loop
                        """.formatted(DIGEST) + hugeTxtSet())
                .zone("other.test", KnotServer.soa("other.test") + """
                        mx1.acme TXT "%s"
                        """.formatted(DIGEST))
                .start();
        validator = new Dns01Validator(new DnsClient(knot.address(), Duration.ofSeconds(2)));
    }

    /** Records whose answer (about 55 kB) only TCP can carry (RFC 7766), none the right one. */
    private static String hugeTxtSet() {
        var records = new StringBuilder();
        for (var i = 0; i < HUGE; i++) {
            records.append("_acme-challenge.huge TXT \"").append("v".repeat(200)).append(i)
                    .append("\"\n");
        }
        return records.toString();
    }

    private static final int HUGE = 250;

    @AfterAll
    static void stop() {
        if (knot != null) {
            knot.close();
        }
    }

    @Test
    void digestIsBase64urlOfSha256WithoutPadding() {
        assertThat(Dns01Validator.digest(KEY_AUTH)).isEqualTo(DIGEST);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("ok/one matching record", "mx1.example.test",
                        ValidationOutcome.success()),
                Arguments.of("ok/wildcard uses its base domain", "*.mx1.example.test",
                        ValidationOutcome.success()),
                Arguments.of("ok/matching among several", "multi.example.test",
                        ValidationOutcome.success()),
                Arguments.of("ok/cname to another zone", "delegated.example.test",
                        ValidationOutcome.success()),
                Arguments.of("fail/two wrong records", "wrong.example.test",
                        ValidationOutcome.invalid("incorrectResponse", "Found 2 TXT records at"
                                + " _acme-challenge.wrong.example.test, none of them is the"
                                + " expected \"" + DIGEST + "\"")),
                Arguments.of("fail/one wrong record", "one.example.test",
                        ValidationOutcome.invalid("incorrectResponse", "Found 1 TXT record at"
                                + " _acme-challenge.one.example.test, none of them is the"
                                + " expected \"" + DIGEST + "\"")),
                Arguments.of("fail/no txt record", "none.example.test",
                        ValidationOutcome.invalid("unauthorized",
                                "No TXT record found at _acme-challenge.none.example.test")),
                Arguments.of("fail/nxdomain", "missing.example.test",
                        ValidationOutcome.invalid("dns", "DNS problem: NXDOMAIN looking up TXT"
                                + " for _acme-challenge.missing.example.test - check that a DNS"
                                + " record exists for this name")),
                Arguments.of("fail/cname loop", "loop.example.test",
                        ValidationOutcome.invalid("dns", "DNS problem: CNAME loop at"
                                + " _acme-challenge.loop.example.test looking up TXT for"
                                + " _acme-challenge.loop.example.test")),
                Arguments.of("fail/not a domain name", "bad..name",
                        ValidationOutcome.invalid("malformed",
                                "\"bad..name\" is not a domain name that dns-01 can validate")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void validate(String name, String domain, ValidationOutcome expected) {
        assertThat(validator.validate(domain, KEY_AUTH)).isEqualTo(expected);
    }

    @Test
    void recordPublishedByUpdateIsSeen() {
        var domain = "fresh.example.test";
        assertThat(validator.validate(domain, KEY_AUTH).problemType()).isEqualTo("dns");

        knot.replace("example.test", "_acme-challenge.fresh 60 TXT \"" + DIGEST + "\"");

        assertThat(validator.validate(domain, KEY_AUTH)).isEqualTo(ValidationOutcome.success());
    }

    @Test
    void hugeTxtSetEndsQuicklyWithAClearProblem() {
        var started = System.nanoTime();

        var outcome = validator.validate("huge.example.test", KEY_AUTH);

        assertThat(outcome).isEqualTo(ValidationOutcome.invalid("incorrectResponse", "Found "
                + HUGE + " TXT records at _acme-challenge.huge.example.test, none of them is"
                + " the expected \"" + DIGEST + "\""));
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void silentResolverEndsWithinItsTimeLimit() throws Exception {
        try (var silent = new DatagramSocket(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            var limit = Duration.ofMillis(500);
            var v = new Dns01Validator(new DnsClient("127.0.0.1:" + silent.getLocalPort(),
                    limit));
            var started = System.nanoTime();

            var outcome = v.validate("mx1.example.test", KEY_AUTH);

            assertThat(outcome.problemType()).isEqualTo("dns");
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isLessThan(limit.multipliedBy(3));
        }
    }

    @Test
    void timeoutIsADnsProblem() throws Exception {
        try (var silent = new DatagramSocket(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            var v = new Dns01Validator(
                    new DnsClient("127.0.0.1:" + silent.getLocalPort(), Duration.ofMillis(300)));

            assertThat(v.validate("mx1.example.test", KEY_AUTH)).isEqualTo(
                    ValidationOutcome.invalid("dns", "DNS problem: query timed out looking up"
                            + " TXT for _acme-challenge.mx1.example.test"));
        }
    }
}
