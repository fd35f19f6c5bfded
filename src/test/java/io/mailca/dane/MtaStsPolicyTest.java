package io.mailca.dane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mailca.dane.MtaStsPolicy.Mode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The MTA-STS TXT record (RFC 8461 §3.1) and policy file (RFC 8461 §3.2). */
class MtaStsPolicyTest {

    static Stream<Arguments> txt() {
        return Stream.of(
                Arguments.of("ok/rfc-example", List.of("v=STSv1; id=20160831085700Z;"),
                        "20160831085700Z"),
                Arguments.of("ok/no-final-semicolon", List.of("v=STSv1; id=abc123"), "abc123"),
                Arguments.of("ok/spaces-around-semicolons", List.of("v=STSv1 ;id=abc ; "),
                        "abc"),
                Arguments.of("ok/other-fields-and-other-txt", List.of("v=spf1 -all",
                        "v=STSv1; ext=1; id=X1"), "X1"),
                Arguments.of("ok/id-of-32", List.of("v=STSv1; id=" + "a".repeat(32)),
                        "a".repeat(32)),
                Arguments.of("fail/none", List.of(), null),
                Arguments.of("fail/two-records", List.of("v=STSv1; id=a", "v=STSv1; id=b"),
                        null),
                Arguments.of("fail/no-id", List.of("v=STSv1;"), null),
                Arguments.of("fail/id-of-33", List.of("v=STSv1; id=" + "a".repeat(33)), null),
                Arguments.of("fail/id-not-alphanumeric", List.of("v=STSv1; id=a-b"), null),
                Arguments.of("fail/other-version", List.of("v=STSv2; id=a"), null),
                Arguments.of("fail/field-without-value", List.of("v=STSv1; id"), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("txt")
    void txtId(String name, List<String> records, String id) {
        assertThat(MtaStsPolicy.txtId(records).orElse(null)).isEqualTo(id);
    }

    static Stream<Arguments> policies() {
        return Stream.of(
                Arguments.of("ok/rfc-example-enforce", "version: STSv1\r\nmode: enforce\r\n"
                        + "mx: mail.example.com\r\nmx: *.example.net\r\n"
                        + "mx: backupmx.example.com\r\nmax_age: 604800\r\n", Mode.ENFORCE,
                        List.of("mail.example.com", "*.example.net", "backupmx.example.com")),
                Arguments.of("ok/testing-lf", "version: STSv1\nmode: testing\nmx: mx1.example"
                        + ".com\nmax_age: 86400\n", Mode.TESTING, List.of("mx1.example.com")),
                Arguments.of("ok/none-without-final-newline",
                        "version: STSv1\nmode: none\nmax_age: 86400", Mode.NONE, List.of()),
                Arguments.of("ok/unknown-fields-ignored", "version: STSv1\nmode: enforce\n"
                        + "future_field: x\nmx: mx1.example.com\n", Mode.ENFORCE,
                        List.of("mx1.example.com")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policies")
    void parse(String name, String text, Mode mode, List<String> mx) {
        var policy = MtaStsPolicy.parse(text);

        assertThat(policy.mode()).isEqualTo(mode);
        assertThat(policy.mx()).isEqualTo(mx);
    }

    static Stream<Arguments> badPolicies() {
        return Stream.of(
                Arguments.of("fail/no-mode", "version: STSv1\nmx: a.example\n",
                        "policy has no mode"),
                Arguments.of("fail/unknown-mode", "version: STSv1\nmode: strict\n",
                        "policy mode 'strict' is not enforce, testing or none"),
                Arguments.of("fail/mode-is-case-sensitive", "version: STSv1\nmode: Enforce\n",
                        "policy mode 'Enforce' is not enforce, testing or none"),
                Arguments.of("fail/no-version", "mode: enforce\n", "policy has no version"),
                Arguments.of("fail/other-version", "version: STSv2\nmode: enforce\n",
                        "policy version 'STSv2' is not STSv1"),
                Arguments.of("fail/html-page", "<html>\n<body>not found</body>\n",
                        "policy line is not 'key: value': '<html>'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPolicies")
    void parseRefuses(String name, String text, String reason) {
        assertThatThrownBy(() -> MtaStsPolicy.parse(text))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(reason);
    }

    @Test
    void modeLabelsAreThePolicysWords() {
        assertThat(Stream.of(Mode.values()).map(Mode::label))
                .containsExactly("enforce", "testing", "none");
    }
}
