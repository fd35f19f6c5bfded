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
    static final List<MailService> DEFAULTS = List.of(MailService.SMTP);
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
                        List.of(), List.of(MailService.SMTP)),
                Arguments.of("ok/imaps-srv-target-gets-993",
                        found(List.of(srv("imaps", 993, HOST)), Map.of()), List.of(),
                        List.of(MailService.IMAPS)),
                Arguments.of("ok/mx-and-srv-target-gets-the-union",
                        found(List.of(mx(HOST), srv("submission", 587, HOST),
                                srv("submissions", 465, HOST), srv("pop3s", 995, HOST)),
                                Map.of()), List.of(),
                        List.of(MailService.SMTP, MailService.SUBMISSION,
                                MailService.SUBMISSIONS, MailService.POP3S)),
                Arguments.of("ok/records-of-other-hosts-count-for-nothing",
                        found(List.of(mx("mx2.example.com"), srv("imaps", 993,
                                "imap.example.com")), Map.of()), List.of(), DEFAULTS),
                Arguments.of("ok/no-record-names-it-gets-the-defaults",
                        found(List.of(), Map.of()), List.of(), DEFAULTS),
                Arguments.of("ok/no-longer-an-srv-target-drops-the-service",
                        found(List.of(mx(HOST)), Map.of()),
                        List.of(MailService.SMTP, MailService.IMAPS),
                        List.of(MailService.SMTP)),
                Arguments.of("ok/non-standard-srv-port-gives-nothing",
                        found(List.of(mx(HOST), srv("imaps", 9993, HOST)), Map.of()),
                        List.of(), List.of(MailService.SMTP)),
                Arguments.of("ok/only-a-non-standard-srv-port-gives-no-service",
                        found(List.of(srv("imaps", 9993, HOST)), Map.of()), List.of(),
                        List.of()),
                Arguments.of("ok/failed-lookup-keeps-the-published-service",
                        found(List.of(mx(HOST)), Map.of("imaps", TIMEOUT)),
                        List.of(MailService.SMTP, MailService.IMAPS),
                        List.of(MailService.SMTP, MailService.IMAPS)),
                Arguments.of("ok/failed-lookup-of-another-service-keeps-nothing-more",
                        found(List.of(mx(HOST)), Map.of("imaps", TIMEOUT)),
                        List.of(MailService.SMTP, MailService.POP3S),
                        List.of(MailService.SMTP)),
                Arguments.of("ok/failed-lookups-keep-each-published-service-they-cover",
                        found(List.of(), Map.of("smtp", TIMEOUT, "submission", TIMEOUT)),
                        List.of(MailService.SMTP, MailService.SUBMISSION),
                        List.of(MailService.SMTP, MailService.SUBMISSION)),
                // Published as the default; whether the failed lookup names the host is unknown.
                Arguments.of("ok/default-service-kept-while-evidence-is-unknown",
                        found(List.of(), Map.of("imaps", TIMEOUT)),
                        List.of(MailService.SMTP), List.of(MailService.SMTP)),
                Arguments.of("ok/failed-lookup-with-new-evidence-adds-it",
                        found(List.of(srv("imaps", 993, HOST)), Map.of("smtp", TIMEOUT)),
                        List.of(), List.of(MailService.IMAPS)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void derive(String name, Found found, List<MailService> published,
            List<MailService> expected) throws Exception {
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

    static Stream<Arguments> owners() {
        return Stream.of(
                Arguments.of("ok/smtp", "_25._tcp.mail.example.com", 25),
                Arguments.of("ok/imaps", "_993._tcp.mail.example.com", 993),
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
    void servicesAtOwnersOfThisHostOnly() {
        var owners = List.of("_25._tcp.mail.example.com", "_993._tcp.mail.example.com",
                "_587._tcp.mx2.example.com");

        assertThat(HostServices.servicesAt(HOST, owners))
                .containsExactly(MailService.SMTP, MailService.IMAPS);
    }
}
