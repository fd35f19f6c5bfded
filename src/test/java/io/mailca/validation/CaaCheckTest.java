package io.mailca.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.dns.DnsClient;
import io.mailca.testsupport.KnotServer;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CAA as RFC 8659 and RFC 8657 define it, against CAA records served by a real Knot DNS server:
 * the tree climb, issue and issuewild, the critical flag, accounturi and validationmethods.
 */
class CaaCheckTest {
    private static final String BASE = "https://ca.example.test:8443";
    private static final String ACCOUNT = "A1";
    private static final String ACCOUNT_URI = BASE + "/acme/acct/" + ACCOUNT;

    private static KnotServer knot;
    private static CaaCheck caa;

    @BeforeAll
    static void start() {
        knot = KnotServer.builder().zone("example.com", KnotServer.soa("example.com") + """
                deny CAA 0 issue "letsencrypt.org"
                allow CAA 0 issue "MailCA.Example.Test"
                one-of CAA 0 issue "letsencrypt.org"
                one-of CAA 0 issue "mailca.example.test"
                acct CAA 0 issue "mailca.example.test; accounturi=%1$s"
                methods CAA 0 issue "mailca.example.test; validationmethods=dns-01,tls-alpn-01"
                unknown-param CAA 0 issue "mailca.example.test; policy=ev"
                bad-param CAA 0 issue "mailca.example.test; accounturi"
                empty-issuer CAA 0 issue ";"
                iodef-only CAA 0 iodef "mailto:security@example.com"
                critical CAA 128 tbs "unknown"
                unknown CAA 0 tbs "unknown"
                eu CAA 0 issue "letsencrypt.org"
                wild CAA 0 issue "mailca.example.test"
                wild CAA 0 issuewild ";"
                alias CNAME deny
                """.formatted(ACCOUNT_URI)).start();
        caa = new CaaCheck(new DnsClient(knot.address(), Duration.ofSeconds(2)),
                List.of("mailca.example.test", "mailca-alt.example.test"),
                List.of("example.com"), true, BASE + "/");
    }

    @AfterAll
    static void stop() {
        knot.close();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                ok("ok/no-caa-anywhere", "mx1.example.com", false, "http-01"),
                ok("ok/issue-names-mailca-any-case", "allow.example.com", false, "http-01"),
                ok("ok/one-of-two-issuers", "one-of.example.com", false, "http-01"),
                ok("ok/climb-finds-permit", "mx1.allow.example.com", false, "http-01"),
                ok("ok/accounturi-matches", "acct.example.com", false, "http-01"),
                ok("ok/validationmethods-lists-method", "methods.example.com", false, "dns-01"),
                ok("ok/unknown-parameter-ignored", "unknown-param.example.com", false, "http-01"),
                ok("ok/iodef-only", "iodef-only.example.com", false, "http-01"),
                ok("ok/unknown-tag-not-critical", "unknown.example.com", false, "http-01"),
                ok("ok/issuewild-ignored-for-plain-name", "wild.example.com", false, "http-01"),
                ok("ok/wildcard-falls-back-to-issue", "allow.example.com", true, "dns-01"),
                fail("fail/other-ca-only", "deny.example.com", false, "http-01", "caa",
                        "CAA record deny.example.com. CAA 0 issue \"letsencrypt.org\" forbids"
                                + " MailCA to certify deny.example.com: MailCA's name"
                                + " mailca.example.test must be added, e.g. deny.example.com."
                                + " CAA 0 issue \"mailca.example.test\" (RFC 8659 §4.2)"),
                fail("fail/climb-finds-parent-record", "mx1.eu.example.com", false, "http-01",
                        "caa", "CAA record eu.example.com. CAA 0 issue \"letsencrypt.org\""
                                + " forbids MailCA to certify mx1.eu.example.com: MailCA's name"
                                + " mailca.example.test must be added, e.g. eu.example.com."
                                + " CAA 0 issue \"mailca.example.test\" (RFC 8659 §4.2)"),
                fail("fail/cname-followed", "alias.example.com", false, "http-01", "caa",
                        "CAA record alias.example.com. CAA 0 issue \"letsencrypt.org\" forbids"
                                + " MailCA to certify alias.example.com: MailCA's name"
                                + " mailca.example.test must be added, e.g. alias.example.com."
                                + " CAA 0 issue \"mailca.example.test\" (RFC 8659 §4.2)"),
                fail("fail/empty-issuer-forbids-all", "empty-issuer.example.com", false,
                        "http-01", "caa", "CAA record empty-issuer.example.com. CAA 0 issue"
                                + " \";\" forbids MailCA to certify empty-issuer.example.com:"
                                + " MailCA's name mailca.example.test must be added, e.g."
                                + " empty-issuer.example.com. CAA 0 issue"
                                + " \"mailca.example.test\" (RFC 8659 §4.2)"),
                fail("fail/malformed-parameter", "bad-param.example.com", false, "http-01",
                        "caa", "CAA record bad-param.example.com. CAA 0 issue"
                                + " \"mailca.example.test; accounturi\" forbids MailCA to certify"
                                + " bad-param.example.com: MailCA's name mailca.example.test"
                                + " must be added, e.g. bad-param.example.com. CAA 0 issue"
                                + " \"mailca.example.test\" (RFC 8659 §4.2)"),
                fail("fail/critical-unknown-tag", "critical.example.com", false, "http-01",
                        "caa", "CAA record critical.example.com. CAA 128 tbs \"unknown\" forbids"
                                + " certifying critical.example.com: it carries the critical flag"
                                + " with a property MailCA does not know (RFC 8659 §4.1)"),
                fail("fail/issuewild-forbids-wildcard", "wild.example.com", true, "dns-01",
                        "caa", "CAA record wild.example.com. CAA 0 issuewild \";\" forbids"
                                + " MailCA to certify *.wild.example.com: MailCA's name"
                                + " mailca.example.test must be added, e.g. wild.example.com."
                                + " CAA 0 issuewild \"mailca.example.test\" (RFC 8659 §4.2)"),
                fail("fail/validationmethods-excludes-method", "methods.example.com", false,
                        "http-01", "caa", "CAA record methods.example.com. CAA 0 issue"
                                + " \"mailca.example.test; validationmethods=dns-01,tls-alpn-01\""
                                + " names MailCA but only for validation methods"
                                + " dns-01,tls-alpn-01, not http-01 (RFC 8657);"
                                + " methods.example.com is not certified"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void checks(String label, String name, boolean wildcard, String method, String type,
            String detail) {
        var outcome = caa.check(name, wildcard, ACCOUNT, method);

        assertThat(outcome.problemType()).isEqualTo(type);
        assertThat(outcome.detail()).isEqualTo(detail);
    }

    @Test
    void anotherAccountIsRefusedByAccounturi() {
        var outcome = caa.check("acct.example.com", false, "B2", "http-01");

        assertThat(outcome.problemType()).isEqualTo("caa");
        assertThat(outcome.detail()).isEqualTo("CAA record acct.example.com. CAA 0 issue"
                + " \"mailca.example.test; accounturi=" + ACCOUNT_URI + "\" names MailCA but"
                + " only for account " + ACCOUNT_URI + ", not " + BASE + "/acme/acct/B2"
                + " (RFC 8657); acct.example.com is not certified");
    }

    @Test
    void aFailedLookupInsideTheMailDomainsRefuses() {
        // Knot refuses example.org, which it does not serve; here it is a mail domain.
        var strict = new CaaCheck(new DnsClient(knot.address(), Duration.ofSeconds(2)),
                List.of("mailca.example.test"), List.of("example.org"), true, BASE);

        var outcome = strict.check("mx1.example.org", false, ACCOUNT, "http-01");

        assertThat(outcome.problemType()).isEqualTo("dns");
        assertThat(outcome.detail()).isEqualTo("CAA could not be checked for mx1.example.org,"
                + " so it is not certified (RFC 8659 §3): DNS problem: REFUSED looking up CAA"
                + " for mx1.example.org");
    }

    @Test
    void switchedOffItAllowsAll() {
        var off = new CaaCheck(new DnsClient(knot.address(), Duration.ofSeconds(2)),
                List.of("mailca.example.test"), List.of("example.com"), false, BASE);

        assertThat(off.check("deny.example.com", false, ACCOUNT, "http-01").valid()).isTrue();
        assertThat(off.enabled()).isFalse();
    }

    private static Arguments ok(String label, String name, boolean wildcard, String method) {
        return Arguments.of(label, name, wildcard, method, null, null);
    }

    private static Arguments fail(String label, String name, boolean wildcard, String method,
            String type, String detail) {
        return Arguments.of(label, name, wildcard, method, type, detail);
    }
}
