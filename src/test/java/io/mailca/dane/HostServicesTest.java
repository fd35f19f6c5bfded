package io.mailca.dane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mailca.dns.MailServiceRecords.Found;
import io.mailca.dns.MailServiceRecords.Target;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The services (hence TLSA owner names) of a host without configured services, from the MX
 * and SRV records of the mail domains (RFC 5321 §5.1, RFC 6186 §3, RFC 8314 §5).
 */
class HostServicesTest {
    static final String HOST = "mail.example.com";
    static final ServicePort SMTP = ServicePort.of(MailService.SMTP);
    static final ServicePort SUBMISSION = ServicePort.of(MailService.SUBMISSION);
    static final ServicePort SUBMISSIONS = ServicePort.of(MailService.SUBMISSIONS);
    static final ServicePort IMAPS = ServicePort.of(MailService.IMAPS);
    static final ServicePort POP3S = ServicePort.of(MailService.POP3S);
    /** IMAPS where an SRV record puts it (RFC 7673 §3): TLSA at {@code _9993._tcp}. */
    static final ServicePort IMAPS_9993 = new ServicePort(MailService.IMAPS, 9993);
    static final List<ServicePort> DEFAULTS = List.of(SMTP);
    static final String TIMEOUT = "DNS lookup of _imaps._tcp.example.com SRV timed out";

    static Target mx(String host) {
        return new Target(host, "smtp", 25, "MX of example.com");
    }

    static Target srv(String service, int port, String host) {
        return new Target(host, service, port, "SRV _" + service + "._tcp.example.com");
    }

    static Found found(List<Target> targets, Map<String, String> failures) {
        return new Found(targets, failures);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("ok/mx-exchange-gets-smtp", found(List.of(mx(HOST)), Map.of()),
                        List.of(), List.of(SMTP)),
                Arguments.of("ok/imaps-srv-target-gets-993",
                        found(List.of(srv("imaps", 993, HOST)), Map.of()), List.of(),
                        List.of(IMAPS)),
                Arguments.of("ok/mx-and-srv-target-gets-the-union",
                        found(List.of(mx(HOST), srv("submission", 587, HOST),
                                srv("submissions", 465, HOST), srv("pop3s", 995, HOST)),
                                Map.of()), List.of(),
                        List.of(SMTP, SUBMISSION, SUBMISSIONS, POP3S)),
                Arguments.of("ok/records-of-other-hosts-count-for-nothing",
                        found(List.of(mx("mx2.example.com"), srv("imaps", 993,
                                "imap.example.com")), Map.of()), List.of(), DEFAULTS),
                Arguments.of("ok/no-record-names-it-gets-the-defaults",
                        found(List.of(), Map.of()), List.of(), DEFAULTS),
                Arguments.of("ok/no-longer-an-srv-target-drops-the-service",
                        found(List.of(mx(HOST)), Map.of()), List.of(SMTP, IMAPS),
                        List.of(SMTP)),
                Arguments.of("ok/non-standard-srv-port-gets-that-port",
                        found(List.of(mx(HOST), srv("imaps", 9993, HOST)), Map.of()),
                        List.of(), List.of(SMTP, IMAPS_9993)),
                Arguments.of("ok/only-a-non-standard-srv-port-gets-that-port-not-the-defaults",
                        found(List.of(srv("imaps", 9993, HOST)), Map.of()), List.of(),
                        List.of(IMAPS_9993)),
                Arguments.of("ok/two-srv-ports-of-one-service-get-both",
                        found(List.of(srv("imaps", 9993, HOST), srv("imaps", 993, HOST)),
                                Map.of()), List.of(), List.of(IMAPS, IMAPS_9993)),
                Arguments.of("ok/srv-port-moving-to-993-drops-9993",
                        found(List.of(srv("imaps", 993, HOST)), Map.of()),
                        List.of(IMAPS_9993), List.of(IMAPS)),
                Arguments.of("ok/submission-srv-at-25-without-an-mx",
                        found(List.of(srv("submission", 25, HOST)), Map.of()), List.of(),
                        List.of(new ServicePort(MailService.SUBMISSION, 25))),
                // RFC 7672 §2.2: an MX is SMTP on 25, whichever record comes first.
                Arguments.of("fail/srv-at-25-loses-the-port-to-the-mx",
                        found(List.of(srv("submissions", 25, HOST), mx(HOST)), Map.of()),
                        List.of(), List.of(SMTP)),
                Arguments.of("fail/second-service-on-a-taken-port-is-ignored",
                        found(List.of(srv("imaps", 2000, HOST), srv("pop3s", 2000, HOST)),
                                Map.of()), List.of(),
                        List.of(new ServicePort(MailService.IMAPS, 2000))),
                Arguments.of("fail/srv-port-0-gives-nothing",
                        found(List.of(srv("imaps", 0, HOST)), Map.of()), List.of(), List.of()),
                Arguments.of("ok/failed-lookup-keeps-the-published-service",
                        found(List.of(mx(HOST)), Map.of("imaps", TIMEOUT)),
                        List.of(SMTP, IMAPS), List.of(SMTP, IMAPS)),
                Arguments.of("ok/failed-lookup-keeps-the-published-non-standard-port",
                        found(List.of(mx(HOST)), Map.of("imaps", TIMEOUT)),
                        List.of(SMTP, IMAPS_9993), List.of(SMTP, IMAPS_9993)),
                Arguments.of("ok/failed-lookup-keeps-no-port-that-evidence-gave-another-service",
                        found(List.of(srv("imaps", 2000, HOST)), Map.of("pop3s", TIMEOUT)),
                        List.of(new ServicePort(MailService.POP3S, 2000)),
                        List.of(new ServicePort(MailService.IMAPS, 2000))),
                Arguments.of("ok/failed-lookup-of-another-service-keeps-nothing-more",
                        found(List.of(mx(HOST)), Map.of("imaps", TIMEOUT)),
                        List.of(SMTP, POP3S), List.of(SMTP)),
                Arguments.of("ok/failed-lookups-keep-each-published-service-they-cover",
                        found(List.of(), Map.of("smtp", TIMEOUT, "submission", TIMEOUT)),
                        List.of(SMTP, SUBMISSION), List.of(SMTP, SUBMISSION)),
                // Published as the default; whether the failed lookup names the host is unknown.
                Arguments.of("ok/default-service-kept-while-evidence-is-unknown",
                        found(List.of(), Map.of("imaps", TIMEOUT)), List.of(SMTP),
                        List.of(SMTP)),
                Arguments.of("ok/non-standard-port-kept-while-evidence-is-unknown",
                        found(List.of(), Map.of("smtp", TIMEOUT, "imaps", TIMEOUT)),
                        List.of(IMAPS_9993), List.of(IMAPS_9993)),
                Arguments.of("ok/failed-lookup-with-new-evidence-adds-it",
                        found(List.of(srv("imaps", 993, HOST)), Map.of("smtp", TIMEOUT)),
                        List.of(), List.of(IMAPS)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void derive(String name, Found found, List<ServicePort> published,
            List<ServicePort> expected) throws Exception {
        var derivation = HostServices.derive(HOST, found, published, DEFAULTS);

        assertThat(derivation.services()).isEqualTo(expected);
    }

    @Test
    void failLookupsFailedAndNothingPublishedIsUnknownNotTheDefaults() {
        var found = found(List.of(), Map.of("smtp", "DNS lookup of example.com MX timed out"));

        assertThatThrownBy(() -> HostServices.derive(HOST, found, List.of(), DEFAULTS))
                .isInstanceOf(PublishException.class)
                .hasMessage("the services of mail.example.com are unknown: looking up the MX"
                        + " and SRV records of the mail domains failed (DNS lookup of"
                        + " example.com MX timed out)");
    }

    static final String SETTING = "mailca.dane.hosts.\"mail.example.com\".services";

    static Stream<Arguments> configured() {
        return Stream.of(
                Arguments.of("ok/standard-ports", "smtp,submission,imaps",
                        "smtp,submission,imaps", "_25,_587,_993"),
                Arguments.of("ok/imaps-at-9993", "smtp,imaps:9993", "smtp,imaps:9993",
                        "_25,_9993"),
                Arguments.of("ok/case-and-spaces", " IMAPS : 9993 ", "imaps:9993", "_9993"),
                Arguments.of("ok/standard-port-written-out", "imaps:993", "imaps", "_993"),
                Arguments.of("ok/smtp-at-25", "smtp:25", "smtp", "_25"),
                Arguments.of("ok/one-service-on-two-ports", "imaps,imaps:9993",
                        "imaps,imaps:9993", "_993,_9993"),
                Arguments.of("ok/twice-the-same-is-once", "pop3s,pop3s:995", "pop3s", "_995"),
                Arguments.of("fail/smtp-elsewhere-than-25", "smtp:2525", SETTING + ": smtp is"
                        + " always port 25: sending MTAs connect to an MX host on port 25"
                        + " (RFC 7672 §2.2); use the probe's port-override for a forwarded"
                        + " port", null),
                Arguments.of("fail/port-0", "imaps:0", SETTING + ": port 0 of imaps is not in"
                        + " 1-65535", null),
                Arguments.of("fail/port-65536", "imaps:65536", SETTING + ": port 65536 of"
                        + " imaps is not in 1-65535", null),
                Arguments.of("fail/port-not-a-number", "imaps:imap", SETTING + ": 'imaps:imap':"
                        + " the port after ':' must be a number in 1-65535", null),
                Arguments.of("fail/port-missing", "imaps:", SETTING + ": 'imaps:': the port"
                        + " after ':' must be a number in 1-65535", null),
                Arguments.of("fail/unknown-service", "lmtp:24", SETTING + ": unknown mail"
                        + " service 'lmtp'; use smtp, submission, submissions, imap, imaps,"
                        + " pop3 or pop3s", null),
                Arguments.of("fail/two-services-on-one-port", "imaps:995,pop3s", SETTING
                        + ": port 995 is given to two services; a port runs one of them",
                        null));
    }

    /**
     * {@code mailca.dane.hosts."H".services}: the services as they read back, and the owner
     * name prefixes; or, for {@code fail/} cases, the error.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configured")
    void configuredServices(String name, String setting, String expected, String owners) {
        var entries = List.of(setting.split(","));
        if (owners == null) {
            assertThatThrownBy(() -> HostProfile.parse(entries, SETTING))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage(expected);
            return;
        }
        var services = HostProfile.parse(entries, SETTING);

        assertThat(String.join(",", services.stream().map(ServicePort::toString).toList()))
                .isEqualTo(expected);
        assertThat(services.stream().map(s -> s.owner(HOST)).toList()).isEqualTo(
                Stream.of(owners.split(",")).map(p -> p + "._tcp." + HOST).toList());
    }

    static Stream<Arguments> owners() {
        return Stream.of(
                Arguments.of("ok/smtp", "_25._tcp.mail.example.com", 25),
                Arguments.of("ok/imaps", "_993._tcp.mail.example.com", 993),
                Arguments.of("ok/imaps-at-9993", "_9993._tcp.mail.example.com", 9993),
                Arguments.of("fail/no-underscore", "25._tcp.mail.example.com", -1),
                Arguments.of("fail/not-a-number", "_smtp._tcp.mail.example.com", -1),
                Arguments.of("fail/udp", "_25._udp.mail.example.com", -1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("owners")
    void portOfOwner(String name, String owner, int port) {
        assertThat(HostServices.port(owner).orElse(-1)).isEqualTo(port);
    }

    @Test
    void servicesAtOwnersOfThisHostOnlyWithTheirRecordedService() {
        // Records from before services were recorded carry none: the standard port says it.
        var published = List.of(
                new HostServices.Published("_25._tcp.mail.example.com", null),
                new HostServices.Published("_993._tcp.mail.example.com", "imaps"),
                new HostServices.Published("_9993._tcp.mail.example.com", "imaps"),
                new HostServices.Published("_2000._tcp.mail.example.com", null),
                new HostServices.Published("_587._tcp.mx2.example.com", "submission"));

        assertThat(HostServices.servicesAt(HOST, published))
                .containsExactly(SMTP, IMAPS, IMAPS_9993);
    }

    @Test
    void aWildcardCoversExactlyOneLeftMostLabel() {
        // RFC 6125 §6.4.3: "*" is the whole left-most label and matches one label only.
        var wildcard = "*.pool.example.com";
        assertThat(HostServices.covers(wildcard, "mx7.pool.example.com")).isTrue();
        assertThat(HostServices.covers(wildcard, "MX7.Pool.Example.com")).isTrue();
        assertThat(HostServices.covers(wildcard, "pool.example.com")).isFalse();
        assertThat(HostServices.covers(wildcard, "a.mx7.pool.example.com")).isFalse();
        assertThat(HostServices.covers(wildcard, "mx7.otherpool.example.com")).isFalse();
        assertThat(HostServices.covers(wildcard, wildcard)).isFalse();
        assertThat(HostServices.wildcardOver("mx7.pool.example.com"))
                .contains("*.pool.example.com");
        assertThat(HostServices.wildcardOver("localhost")).isEmpty();
        assertThat(HostServices.wildcardOver("*.pool.example.com")).isEmpty();
    }
}
