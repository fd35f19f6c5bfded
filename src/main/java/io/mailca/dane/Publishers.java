package io.mailca.dane;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The configured zones and their publishers; a host belongs to the longest matching zone. */
@ApplicationScoped
public class Publishers {
    private final DaneSettings settings;
    private final TlsaVerifier verifier;
    private final Map<String, TlsaPublisher> byZone = new ConcurrentHashMap<>();

    Publishers(DaneSettings settings, TlsaVerifier verifier) {
        this.settings = settings;
        this.verifier = verifier;
    }

    /**
     * The configured zone that holds {@code host}'s owner names, if any. None for a wildcard
     * name ({@code *.pool.example.com}): it is no host a client connects to, so
     * {@code _25._tcp.*.pool...} would be a record nobody looks up, and the probe could not
     * reach it. The hosts the wildcard covers get its key at their own names instead
     * ({@link HostServices#coveredBy}).
     */
    public Optional<String> zoneOf(String host) {
        if (host.startsWith("*.")) {
            return Optional.empty();
        }
        var name = host.toLowerCase(Locale.ROOT);
        return settings.zones().keySet().stream()
                .filter(z -> name.equals(z) || name.endsWith("." + z))
                .max((a, b) -> Integer.compare(a.length(), b.length()));
    }

    /** The publisher of {@code zone}, made on first use (a bad setting fails the job). */
    public TlsaPublisher of(String zone) {
        return byZone.computeIfAbsent(zone, z -> {
            var zoneSettings = settings.zones().get(z);
            return switch (zoneSettings.publisher()) {
                case "rfc2136" -> Rfc2136Publisher.of(z, zoneSettings, settings.timeout());
                case "powerdns" -> PowerDnsPublisher.of(z, zoneSettings, settings.timeout());
                case "script" -> new ScriptPublisher(z, zoneSettings.script().orElseThrow(
                        () -> new IllegalArgumentException("zone " + z + " needs a script")),
                        settings.timeout().multipliedBy(6), owner -> verifier.served(z, owner));
                default -> throw new IllegalArgumentException("unknown publisher '"
                        + zoneSettings.publisher() + "' for zone " + z
                        + "; use rfc2136, powerdns or script");
            };
        });
    }

    /** Updates sent since start (RFC 2136, PowerDNS API, script runs), over all zones. */
    public long updatesSent() {
        return byZone.values().stream().mapToLong(p -> p instanceof Rfc2136Publisher r
                ? r.updatesSent() : p instanceof PowerDnsPublisher d ? d.updatesSent()
                : p instanceof ScriptPublisher s ? s.updatesSent() : 0).sum();
    }
}
