package io.mailca.dane;

import java.util.List;

/**
 * What MailCA publishes for one mail host: the services (hence owner names), the selectors and
 * matching type of its records (RFC 6698 §2.1), and the TTL.
 */
public record HostProfile(String host, List<MailService> services, int leafSelector,
        int caSelector, int matchingType, int ttl) {

    public HostProfile {
        services = List.copyOf(services);
    }

    /** The profile of {@code host} from the settings alone (no DNS evidence). */
    public static HostProfile of(String host, DaneSettings settings) {
        return of(host, settings, settings.defaultServices().stream().map(MailService::named)
                .toList());
    }

    /** True when the operator configured the services of {@code host}. */
    public static boolean configured(String host, DaneSettings settings) {
        var own = settings.hosts().get(host);
        return own != null && own.services().isPresent();
    }

    /**
     * The profile of {@code host} from the settings, with {@code unconfigured} as its services
     * unless the operator configured them.
     */
    public static HostProfile of(String host, DaneSettings settings,
            List<MailService> unconfigured) {
        var own = settings.hosts().get(host);
        var services = configured(host, settings) ? own.services().get().stream()
                .map(MailService::named).distinct().toList()
                : unconfigured.stream().distinct().toList();
        if (own == null) {
            return new HostProfile(host, services, TlsaRecord.SPKI, TlsaRecord.SPKI,
                    TlsaRecord.SHA256, settings.ttl());
        }
        return new HostProfile(host, services, own.leafSelector(), own.caSelector(),
                own.matchingType(), own.ttl().orElse(settings.ttl()));
    }

    /** Owner names, one per service: {@code _25._tcp.mx1.example.com}. */
    public List<String> owners() {
        return services.stream().map(s -> s.owner(host)).toList();
    }
}
