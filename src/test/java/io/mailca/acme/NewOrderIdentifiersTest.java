package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.IDN;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 8555 §7.4 and §7.1.3: which identifiers a newOrder may carry under the mail host policy,
 * and how a refusal names the identifier at fault (§6.7.1 subproblems).
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class NewOrderIdentifiersTest {
    private static AcmeHttp.Account account;

    @BeforeAll
    static void register() {
        account = AcmeHttp.register();
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("ok/mx1", "mx1.example.test", "mx1.example.test"),
                Arguments.of("ok/smtp", "smtp.example.test", "smtp.example.test"),
                Arguments.of("ok/submission-sub", "submission.out.example.test",
                        "submission.out.example.test"),
                Arguments.of("ok/upper-case-is-lowered", "MAIL2.Example.TEST",
                        "mail2.example.test"),
                Arguments.of("ok/a-label-below-mail-host", "mx.xn--bcher-kva.example.test",
                        "mx.xn--bcher-kva.example.test"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void accepts(String name, String value, String ordered) {
        var reply = account.post(AcmeHttp.NEW_ORDER, AcmeHttp.orderPayload(value));

        assertThat(reply.status()).as("%s", reply).isEqualTo(201);
        var identifiers = reply.json().get("identifiers");
        assertThat(identifiers).hasSize(1);
        assertThat(identifiers.get(0).get("type").asText()).isEqualTo("dns");
        assertThat(identifiers.get(0).get("value").asText()).isEqualTo(ordered);
    }

    static Stream<Arguments> refused() {
        var mxALabel = IDN.toASCII("mxbücher") + ".example.test";
        return Stream.of(
                Arguments.of("fail/trailing-dot", "dns", "MX1.Example.TEST.",
                        List.of("malformed", "rejectedIdentifier")),
                Arguments.of("fail/u-label", "dns", "mx-bücher.example.test",
                        List.of("malformed", "rejectedIdentifier")),
                Arguments.of("fail/a-label-undecodable", "dns", "mx.xn--mx-zzzzzz.example.test",
                        List.of("malformed", "rejectedIdentifier")),
                // U+2A1C and U+298C are DISALLOWED in IDNA2008 (RFC 5892), though Java's
                // IDNA2003 decoder round-trips them.
                Arguments.of("fail/a-label-idna2008-disallowed", "dns",
                        "mx.xn--zz-zzzzz.example.test",
                        List.of("malformed", "rejectedIdentifier")),
                // A first label that is an A-label never matches mx*: the glob sees xn--...
                Arguments.of("fail/a-label-first-label", "dns", mxALabel,
                        List.of("rejectedIdentifier")),
                Arguments.of("fail/not-a-mail-host", "dns", "www.example.test",
                        List.of("rejectedIdentifier")),
                Arguments.of("fail/other-domain", "dns", "mx1.example.com",
                        List.of("rejectedIdentifier")),
                Arguments.of("fail/wildcard", "dns", "*.mx1.example.test",
                        List.of("rejectedIdentifier")),
                Arguments.of("fail/ip", "ip", "127.0.0.1", List.of("rejectedIdentifier")),
                Arguments.of("fail/unsupported-type", "email", "mx1@example.test",
                        List.of("unsupportedIdentifier")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesWithASubproblemNamingTheIdentifier(String name, String type, String value,
            List<String> types) {
        var payload = AcmeHttp.json(Map.of("identifiers",
                List.of(Map.of("type", type, "value", value))));

        var reply = account.post(AcmeHttp.NEW_ORDER, payload);

        assertThat(reply.status()).as("%s", reply).isEqualTo(400);
        assertThat(reply.problemType()).isIn(types.stream().map(t -> AcmeHttp.ERROR + t)
                .toList());
        var subproblems = reply.json().get("subproblems");
        assertThat(subproblems).as("%s", reply).hasSize(1);
        assertThat(subproblems.get(0).get("identifier").get("type").asText()).isEqualTo(type);
        assertThat(subproblems.get(0).get("identifier").get("value").asText()).isEqualTo(value);
        assertThat(subproblems.get(0).get("type").asText()).isEqualTo(reply.problemType());
    }

    @Test
    void refusesTheWholeOrderNamingOnlyTheBadIdentifier() {
        var reply = account.post(AcmeHttp.NEW_ORDER,
                AcmeHttp.orderPayload("mx1.example.test", "www.example.test"));

        assertThat(reply.status()).as("%s", reply).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "rejectedIdentifier");
        var subproblems = reply.json().get("subproblems");
        assertThat(subproblems).hasSize(1);
        assertThat(subproblems.get(0).get("identifier").get("value").asText())
                .isEqualTo("www.example.test");
    }

    @Test
    void emptyIdentifierListIsMalformed() {
        var reply = account.post(AcmeHttp.NEW_ORDER, "{\"identifiers\":[]}");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.problemType()).isEqualTo(AcmeHttp.ERROR + "malformed");
    }
}
