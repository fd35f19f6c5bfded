package io.mailca.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mailca.dns.DnsClient;
import io.mailca.policy.Decision.Verdict;
import io.mailca.testsupport.KnotServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The mail-host policy rule by rule, without Quarkus: a real Knot DNS server serves the MX and
 * SRV records (RFC 5321 §5.1, RFC 6186, RFC 8314) of two mail domains, and each case states
 * the exact verdict and reason a client would read.
 */
class MailHostPolicyTest {
    private static final List<String> DOMAINS = List.of("example.com", "example.net");
    private static final List<String> PATTERNS = List.of("mx*", "smtp*", "mail*", "imap*",
            "pop*", "submission*", "mx-k8s-*.k8s.example.com", "*.pool*");
    private static final List<String> HOSTS = List.of("relay.example.net",
            "xn--bcher-kva.example.com");
    private static final String NOT_A_HOST =
            ": no MX or SRV record points to it and it matches no host pattern";
    private static final String OUTSIDE = ": not under a permitted domain (example.com,"
            + " example.net)";

    private static KnotServer knot;
    private static DnsClient dns;
    private static MailHostPolicy policy;

    @BeforeAll
    static void start() {
        knot = KnotServer.builder()
                .zone("example.com", KnotServer.soa("example.com") + """
                        @ MX 10 inbound
                        @ MX 20 relay.eu
                        _submission._tcp SRV 0 1 587 outbound
                        _imap._tcp SRV 0 1 143 store1
                        _imaps._tcp SRV 0 1 993 store2.eu
                        _pop3._tcp SRV 0 0 0 .
                        _xmpp-client._tcp SRV 0 1 5222 chat
                        """)
                .zone("example.net", KnotServer.soa("example.net") + """
                        @ MX 10 mx.example.org.
                        _submissions._tcp SRV 0 1 465 send
                        _pop3._tcp SRV 0 1 110 box1
                        _pop3s._tcp SRV 0 1 995 xn--mxbcher-p2a
                        """)
                .start();
        dns = new DnsClient(knot.address(), Duration.ofSeconds(2));
        policy = policy(PATTERNS, true, true, Duration.ZERO, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        knot.close();
    }

    private static MailHostPolicy policy(List<String> patterns, boolean mx, boolean srv,
            Duration cache, Clock clock) {
        return new MailHostPolicy(DOMAINS, Optional.of(patterns), Optional.of(HOSTS), 10, mx,
                srv, cache, dns, clock);
    }

    static Stream<Arguments> names() {
        return Stream.of(
                // Host patterns, anchored directly under a mail domain.
                ok("ok/pattern-mx", "mx1.example.com", "matches host pattern mx*"),
                ok("ok/mixed-case", "MX1.Example.COM", "mx1.example.com",
                        "matches host pattern mx*"),
                ok("ok/pattern-second-domain", "smtp.example.net", "matches host pattern smtp*"),
                ok("ok/pattern-glob-empty", "mail.example.com", "matches host pattern mail*"),
                ok("ok/pattern-imap", "imap2.example.net", "matches host pattern imap*"),
                ok("ok/pattern-pop", "pop.example.com", "matches host pattern pop*"),
                ok("ok/pattern-submission", "submission-eu.example.com",
                        "matches host pattern submission*"),
                ok("ok/pattern-with-domain", "mx-k8s-a1.k8s.example.com",
                        "matches host pattern mx-k8s-*.k8s.example.com"),
                fail("fail/pattern-one-label-below", "mx1.eu.example.com", NOT_A_HOST),
                fail("fail/pattern-with-domain-deeper", "mx-k8s-a1.x.k8s.example.com",
                        NOT_A_HOST),
                fail("fail/pattern-not-first-label", "www.mx1.example.com", NOT_A_HOST),
                fail("fail/pattern-is-a-prefix", "amx1.example.com", NOT_A_HOST),
                fail("fail/not-a-mail-host", "db1.example.com", NOT_A_HOST),
                fail("fail/www", "www.example.com", NOT_A_HOST),
                fail("fail/domain-apex", "example.com", NOT_A_HOST),
                // Explicit hosts.
                ok("ok/explicit", "relay.example.net", "listed as a mail host"),
                ok("ok/explicit-a-label", "xn--bcher-kva.example.com", "listed as a mail host"),
                // MX and SRV evidence, looked up live in Knot.
                ok("ok/mx", "inbound.example.com", "MX of example.com points to it"),
                ok("ok/mx-two-labels-below", "relay.eu.example.com",
                        "MX of example.com points to it"),
                ok("ok/srv-submission", "outbound.example.com",
                        "SRV _submission._tcp.example.com points to it"),
                ok("ok/srv-submissions", "send.example.net",
                        "SRV _submissions._tcp.example.net points to it"),
                ok("ok/srv-imap", "store1.example.com", "SRV _imap._tcp.example.com points to it"),
                ok("ok/srv-imaps-two-labels-below", "store2.eu.example.com",
                        "SRV _imaps._tcp.example.com points to it"),
                ok("ok/srv-pop3", "box1.example.net", "SRV _pop3._tcp.example.net points to it"),
                ok("ok/srv-pop3s-a-label", "xn--mxbcher-p2a.example.net",
                        "SRV _pop3s._tcp.example.net points to it"),
                fail("fail/srv-other-service", "chat.example.com", NOT_A_HOST),
                fail("fail/mx-target-outside", "mx.example.org", OUTSIDE),
                // Outside the domains, lookalikes, one label above.
                fail("fail/lookalike-suffix", "mx1.example.com.evil.test", OUTSIDE),
                fail("fail/lookalike-prefix", "notexample.com", OUTSIDE),
                fail("fail/lookalike-host", "mx1.notexample.com", OUTSIDE),
                fail("fail/lookalike-hyphen", "mx1.example-com.net", OUTSIDE),
                malformed("fail/one-label-above", "com", "not a fully qualified domain name"),
                // Syntax.
                malformed("fail/trailing-dot", "mx1.example.com.",
                        "a trailing dot is not allowed; give the name without it"),
                malformed("fail/u-label", "mxbücher.example.com",
                        "contains non-ASCII characters; use the A-label (xn--) form"),
                malformed("fail/a-label-undecodable", "xn--zz-zzzzz.example.com",
                        "'xn--zz-zzzzz' decodes to U+2A1C, which IDNA2008 does not allow in a"
                                + " host name"),
                malformed("fail/underscore", "mx_1.example.com",
                        "contains a character other than letters, digits and hyphens"),
                malformed("fail/empty-label", "mx1..example.com", "empty label"),
                malformed("fail/leading-hyphen", "-mx.example.com",
                        "label '-mx' starts or ends with a hyphen"),
                malformed("fail/partial-wildcard", "mx*.example.com",
                        "wildcard names are not issued"),
                // IPs and other types.
                Arguments.of("fail/ipv4", "ip", "192.0.2.1", "", Verdict.REJECTED, null,
                        "192.0.2.1: IP addresses are never certified; mail hosts are named by"
                                + " DNS"),
                Arguments.of("fail/ipv6", "ip", "2001:db8::25", "", Verdict.REJECTED, null,
                        "2001:db8::25: IP addresses are never certified; mail hosts are named"
                                + " by DNS"),
                fail("fail/ip-as-dns-name", "192.0.2.1", OUTSIDE),
                Arguments.of("fail/email-type", "email", "postmaster@example.com", "",
                        Verdict.UNSUPPORTED, null,
                        "identifier type 'email' is not supported; use dns"),
                // Wildcards: only under a pattern that enables them.
                ok("ok/wildcard-enabled", "*.pool1.example.com",
                        "host pattern *.pool* allows this wildcard"),
                ok("ok/wildcard-enabled-mixed-case", "*.POOL2.example.net",
                        "*.pool2.example.net", "host pattern *.pool* allows this wildcard"),
                fail("fail/wildcard-not-enabled", "*.mx1.example.com", ": wildcard names are"
                        + " certified only under a host pattern that enables them, and none"
                        + " matches"),
                fail("fail/wildcard-deeper", "*.pool1.eu.example.com", ": wildcard names are"
                        + " certified only under a host pattern that enables them, and none"
                        + " matches"),
                fail("fail/wildcard-pattern-not-a-host", "pool1.example.com", NOT_A_HOST),
                fail("fail/wildcard-outside", "*.pool1.example.org", OUTSIDE),
                // The account's scope, after the global rules.
                scoped("ok/scope-glob", "mx-k8s-b2.k8s.example.com", K8S_SCOPE, true,
                        "mx-k8s-b2.k8s.example.com: matches host pattern"
                                + " mx-k8s-*.k8s.example.com"),
                scoped("ok/scope-exact", "relay.example.net", K8S_SCOPE, true,
                        "relay.example.net: listed as a mail host"),
                scoped("fail/scope-outside", "mx1.example.com", K8S_SCOPE, false,
                        "mx1.example.com: outside this account's name scope"
                                + " (mx-k8s-*.k8s.example.com, relay.example.net)"),
                scoped("fail/scope-global-rules-first", "www.example.com", "www.example.com",
                        false, "www.example.com" + NOT_A_HOST),
                scoped("fail/scope-does-not-widen", "mx1.example.org", "mx1.example.org", false,
                        "mx1.example.org" + OUTSIDE),
                scoped("fail/scope-wildcard-not-listed", "*.pool1.example.com",
                        "pool1.example.com", false, "*.pool1.example.com: outside this account's"
                                + " name scope (pool1.example.com)"),
                scoped("ok/scope-wildcard-listed", "*.pool1.example.com",
                        "*.pool1.example.com", true,
                        "*.pool1.example.com: host pattern *.pool* allows this wildcard"));
    }

    private static final String K8S_SCOPE = "mx-k8s-*.k8s.example.com, Relay.Example.NET.";

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void decides(String label, String type, String value, String scope, Verdict verdict,
            String normalized, String reason) {
        var decision = policy.check(type, value, NameScope.parse(scope));

        assertThat(decision.reason()).isEqualTo(reason);
        assertThat(decision.verdict()).isEqualTo(verdict);
        assertThat(decision.normalized()).isEqualTo(normalized);
    }

    @Test
    void switchedOffEvidenceIsNotConsulted() {
        var srvOnly = policy(PATTERNS, false, true, Duration.ZERO, Clock.systemUTC());
        var mxOnly = policy(PATTERNS, true, false, Duration.ZERO, Clock.systemUTC());
        var neither = policy(PATTERNS, false, false, Duration.ZERO, Clock.systemUTC());

        assertThat(srvOnly.check("dns", "inbound.example.com").reason()).isEqualTo(
                "inbound.example.com: no SRV record points to it and it matches no host"
                        + " pattern");
        assertThat(srvOnly.check("dns", "outbound.example.com").isAllowed()).isTrue();
        assertThat(mxOnly.check("dns", "outbound.example.com").reason()).isEqualTo(
                "outbound.example.com: no MX record points to it and it matches no host"
                        + " pattern");
        assertThat(mxOnly.check("dns", "inbound.example.com").isAllowed()).isTrue();
        assertThat(neither.check("dns", "inbound.example.com").reason()).isEqualTo(
                "inbound.example.com: it matches no host pattern and is not listed as a mail"
                        + " host");
    }

    @Test
    void evidenceIsCachedForTheConfiguredTimeOnly() {
        var clock = new MutableClock(Instant.parse("2026-12-03T12:00:00Z"));
        var cached = policy(PATTERNS, true, true, Duration.ofSeconds(60), clock);
        assertThat(cached.check("dns", "late.example.net").isAllowed()).isFalse();

        knot.add("example.net", "@ MX 30 late");
        try {
            clock.now = clock.now.plusSeconds(59);
            assertThat(cached.check("dns", "late.example.net").isAllowed()).isFalse();

            clock.now = clock.now.plusSeconds(1);
            assertThat(cached.check("dns", "late.example.net").reason())
                    .isEqualTo("late.example.net: MX of example.net points to it");
        } finally {
            knot.replace("example.net", "@ MX 10 mx.example.org.");
        }
    }

    @Test
    void aFailedLookupIsSaidAndRefuses() {
        try (var silent = KnotServer.builder().zone("example.com",
                KnotServer.soa("example.com")).start()) {
            var unreachable = new DnsClient("127.0.0.1:" + silent.port(),
                    Duration.ofMillis(300));
            var lonely = new MailHostPolicy(List.of("example.com", "example.org"),
                    Optional.of(List.of("mx*")), Optional.empty(), 10, true, false,
                    Duration.ZERO, unreachable, Clock.systemUTC());

            // Knot refuses example.org, which it does not serve.
            assertThat(lonely.check("dns", "db1.example.com").reason()).isEqualTo(
                    "db1.example.com: no MX record points to it and it matches no host pattern"
                            + " (but these lookups failed: DNS problem: REFUSED looking up MX"
                            + " for example.org)");
        }
    }

    @Test
    void patternsAndHostsOutsideTheDomainsStopTheStart() {
        assertThatThrownBy(() -> policy(List.of("mx*.example.org"), true, true, Duration.ZERO,
                Clock.systemUTC())).hasMessage("mailca.policy.host-patterns: 'mx*.example.org'"
                        + " must name a host under a mail domain [example.com, example.net]"
                        + " (globs only in its first label)");
        assertThatThrownBy(() -> new MailHostPolicy(DOMAINS, Optional.empty(),
                Optional.of(List.of("relay.example.org")), 10, true, true, Duration.ZERO, dns,
                Clock.systemUTC())).hasMessage("mailca.policy.hosts: relay.example.org is not"
                        + " under a mail domain [example.com, example.net]");
    }

    @Test
    void theActivePolicyIsDescribed() {
        assertThat(policy.describe()).isEqualTo("Mail host policy: domains [example.com,"
                + " example.net], host patterns [mx*, smtp*, mail*, imap*, pop*, submission*,"
                + " mx-k8s-*.k8s.example.com, *.pool*], explicit hosts [relay.example.net,"
                + " xn--bcher-kva.example.com], MX evidence on, SRV evidence on (cached PT0S),"
                + " at most 10 identifiers per order; accounts may be narrowed by their name"
                + " scope");
    }

    private static Arguments ok(String label, String value, String reason) {
        return ok(label, value, value, reason);
    }

    private static Arguments ok(String label, String value, String normalized, String reason) {
        return Arguments.of(label, "dns", value, "", Verdict.ALLOWED, normalized,
                normalized + ": " + reason);
    }

    private static Arguments fail(String label, String value, String reasonAfterName) {
        return Arguments.of(label, "dns", value, "", Verdict.REJECTED, null,
                value + reasonAfterName);
    }

    private static Arguments malformed(String label, String value, String reason) {
        return Arguments.of(label, "dns", value, "", Verdict.MALFORMED, null,
                value + ": " + reason);
    }

    private static Arguments scoped(String label, String value, String scope, boolean allowed,
            String reason) {
        var normalized = value.toLowerCase(java.util.Locale.ROOT);
        return Arguments.of(label, "dns", value, scope,
                allowed ? Verdict.ALLOWED : Verdict.REJECTED, allowed ? normalized : null,
                reason);
    }

    /** A clock the test moves by hand. */
    private static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
