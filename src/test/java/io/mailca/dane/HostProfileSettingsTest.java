package io.mailca.dane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code mailca.dane.hosts."H".leaf-selector}, {@code ca-selector}, {@code matching-type} and
 * {@code ttl}, read by SmallRye Config as at start: what a profile gets, or the error that
 * refuses the setting (before, a bad value failed every job of the host, for ever).
 */
class HostProfileSettingsTest {
    static final String HOST = "mx1.example.com";
    static final String PREFIX = "mailca.dane.hosts.\"" + HOST + "\".";

    static DaneSettings settings(String key, String value) {
        // Quarkus' converter reads the defaults' "5s" as it does at start.
        return new SmallRyeConfigBuilder().withMapping(DaneSettings.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(Map.of(key, value), "test", 500))
                .build().getConfigMapping(DaneSettings.class);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("ok/selector-0", PREFIX + "leaf-selector", "0", "3 0 1 / 2 1 1, 3600"),
                Arguments.of("ok/sha-512", PREFIX + "matching-type", "2", "3 1 2 / 2 1 2, 3600"),
                Arguments.of("ok/ttl", PREFIX + "ttl", "300", "3 1 1 / 2 1 1, 300"),
                Arguments.of("fail/leaf-selector-2", PREFIX + "leaf-selector", "2", PREFIX
                        + "leaf-selector: 2 is not a selector; use 0 (full certificate) or 1"
                        + " (SubjectPublicKeyInfo), RFC 6698 §2.1.2"),
                Arguments.of("fail/ca-selector-7", PREFIX + "ca-selector", "7", PREFIX
                        + "ca-selector: 7 is not a selector; use 0 (full certificate) or 1"
                        + " (SubjectPublicKeyInfo), RFC 6698 §2.1.2"),
                Arguments.of("fail/matching-type-0", PREFIX + "matching-type", "0", PREFIX
                        + "matching-type: 0 is not offered; use 1 (SHA-256) or 2 (SHA-512),"
                        + " RFC 6698 §2.1.3"),
                Arguments.of("fail/matching-type-3", PREFIX + "matching-type", "3", PREFIX
                        + "matching-type: 3 is not offered; use 1 (SHA-256) or 2 (SHA-512),"
                        + " RFC 6698 §2.1.3"),
                Arguments.of("fail/negative-ttl", PREFIX + "ttl", "-1", PREFIX + "ttl: -1 is"
                        + " not a TTL; use 0 to 2147483647 seconds (RFC 2181 §8)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostChoices(String name, String key, String value, String expected) {
        var settings = settings(key, value);
        if (name.startsWith("fail/")) {
            assertThatThrownBy(() -> HostProfile.of(HOST, settings, List.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage(expected);
            return;
        }
        var profile = HostProfile.of(HOST, settings, List.of());
        assertThat("3 " + profile.leafSelector() + " " + profile.matchingType() + " / 2 "
                + profile.caSelector() + " " + profile.matchingType() + ", " + profile.ttl())
                .isEqualTo(expected);
    }
}
