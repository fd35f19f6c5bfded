package io.mailca.issuance;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The leaf certificate profiles the operator defines ({@code mailca.profiles.NAME.validity},
 * {@code .description}), offered to ACME clients as draft-aaron-acme-profiles describes: by
 * name in the directory's {@code meta.profiles}, chosen with {@code profile} in newOrder.
 * An order that names none gets {@code mailca.certificate.default-profile}.
 */
@ApplicationScoped
public class CertificateProfiles {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final Duration SHORTEST = Duration.ofHours(1);

    /** One profile: its name, what it is for, and the validity of its certificates. */
    public record CertificateProfile(String name, String description, Duration validity) {
    }

    /** The {@code mailca.profiles.*} properties. */
    @ConfigMapping(prefix = "mailca.profiles")
    public interface Settings {
        @WithParentName
        Map<String, Profile> profiles();

        interface Profile {
            String description();

            Duration validity();
        }
    }

    private final Map<String, CertificateProfile> profiles;
    private final String defaultName;

    CertificateProfiles(Settings settings,
            @ConfigProperty(name = "mailca.certificate.default-profile",
                    defaultValue = "default") String defaultName) {
        var map = new TreeMap<String, CertificateProfile>();
        settings.profiles().forEach((name, p) -> map.put(name,
                new CertificateProfile(name, p.description().strip(), p.validity())));
        this.profiles = Collections.unmodifiableMap(map);
        this.defaultName = defaultName;
        check();
    }

    /** Every profile, by name in alphabetical order. */
    public Map<String, CertificateProfile> all() {
        return profiles;
    }

    public Optional<CertificateProfile> byName(String name) {
        return Optional.ofNullable(name == null ? null : profiles.get(name));
    }

    /** The profile of orders that name none. */
    public CertificateProfile defaultProfile() {
        return profiles.get(defaultName);
    }

    // A mistyped profile must stop the start, not surface as a failed finalize months later.
    private void check() {
        if (!profiles.containsKey(defaultName)) {
            throw new IllegalStateException("mailca.certificate.default-profile names '"
                    + defaultName + "', but mailca.profiles defines only " + profiles.keySet());
        }
        for (var profile : profiles.values()) {
            if (!NAME.matcher(profile.name()).matches()) {
                throw new IllegalStateException("profile name '" + profile.name()
                        + "' must be lower-case letters, digits and hyphens (at most 64)");
            }
            if (profile.validity().compareTo(SHORTEST) < 0) {
                throw new IllegalStateException("mailca.profiles." + profile.name()
                        + ".validity must be at least " + SHORTEST);
            }
        }
    }
}
