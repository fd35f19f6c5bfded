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

    /** The profile of {@code host} from the settings. */
    public static HostProfile of(String host, DaneSettings settings) {
        var own = settings.hosts().get(host);
        var names = own != null && own.services().isPresent() ? own.services().get()
                : settings.defaultServices();
        var services = names.stream().map(MailService::named).distinct().toList();
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
