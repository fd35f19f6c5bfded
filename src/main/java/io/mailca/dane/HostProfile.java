package io.mailca.dane;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * What MailCA publishes for one mail host: the services and their ports (hence owner names,
 * RFC 6698 §3), the selectors and matching type of its records (RFC 6698 §2.1), and the TTL.
 */
public record HostProfile(String host, List<ServicePort> services, int leafSelector,
        int caSelector, int matchingType, int ttl) {

    public HostProfile {
        services = List.copyOf(services);
    }

    /** The profile of {@code host} from the settings alone (no DNS evidence). */
    public static HostProfile of(String host, DaneSettings settings) {
        return of(host, settings, parse(settings.defaultServices(),
                "mailca.dane.default-services"));
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
            List<ServicePort> unconfigured) {
        var own = settings.hosts().get(host);
        var services = configured(host, settings) ? parse(own.services().get(),
                "mailca.dane.hosts.\"" + host + "\".services")
                : unconfigured.stream().distinct().toList();
        if (own == null) {
            return new HostProfile(host, services, TlsaRecord.SPKI, TlsaRecord.SPKI,
                    TlsaRecord.SHA256, settings.ttl());
        }
        var prefix = "mailca.dane.hosts.\"" + host + "\".";
        checkSelector(own.leafSelector(), prefix + "leaf-selector", "0 (full certificate) or 1"
                + " (SubjectPublicKeyInfo), RFC 6698 §2.1.2");
        checkSelector(own.caSelector(), prefix + "ca-selector", "0 (full certificate) or 1"
                + " (SubjectPublicKeyInfo), RFC 6698 §2.1.2");
        if (own.matchingType() != TlsaRecord.SHA256 && own.matchingType() != TlsaRecord.SHA512) {
            throw new IllegalArgumentException(prefix + "matching-type: " + own.matchingType()
                    + " is not offered; use 1 (SHA-256) or 2 (SHA-512), RFC 6698 §2.1.3");
        }
        own.ttl().ifPresent(ttl -> checkTtl(ttl, prefix + "ttl"));
        return new HostProfile(host, services, own.leafSelector(), own.caSelector(),
                own.matchingType(), own.ttl().orElse(settings.ttl()));
    }

    private static void checkSelector(int selector, String setting, String allowed) {
        if (selector != TlsaRecord.CERT && selector != TlsaRecord.SPKI) {
            throw new IllegalArgumentException(setting + ": " + selector + " is not a selector;"
                    + " use " + allowed);
        }
    }

    static void checkTtl(int ttl, String setting) {
        // RFC 2181 §8: a TTL is 0 to 2^31 - 1 seconds; an int cannot be more.
        if (ttl < 0) {
            throw new IllegalArgumentException(setting + ": " + ttl + " is not a TTL; use 0 to"
                    + " 2147483647 seconds (RFC 2181 §8)");
        }
    }

    /**
     * Configured services ({@code smtp}, {@code imaps:9993}, ...), each port once: one port
     * speaks one protocol, and its owner name holds one RRset.
     *
     * @throws IllegalArgumentException naming {@code setting} and the bad entry
     */
    static List<ServicePort> parse(List<String> names, String setting) {
        var services = new ArrayList<ServicePort>();
        var ports = new HashSet<Integer>();
        for (var name : names) {
            ServicePort service;
            try {
                service = ServicePort.parse(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(setting + ": " + e.getMessage(), e);
            }
            if (services.contains(service)) {
                continue;
            }
            if (!ports.add(service.port())) {
                throw new IllegalArgumentException(setting + ": port " + service.port()
                        + " is given to two services; a port runs one of them");
            }
            services.add(service);
        }
        return List.copyOf(services);
    }

    /** Owner names, one per service: {@code _25._tcp.mx1.example.com}. */
    public List<String> owners() {
        return services.stream().map(s -> s.owner(host)).toList();
    }

    /** The ports clients connect to, one per service. */
    public List<Integer> ports() {
        return services.stream().map(ServicePort::port).toList();
    }
}
