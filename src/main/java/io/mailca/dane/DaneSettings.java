package io.mailca.dane;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code mailca.dane.*} settings. Host and zone names are map keys and carry dots, so they
 * are quoted: {@code mailca.dane.hosts."mx1.example.com".services=smtp,submission}. See
 * docs/dane.md.
 */
@ConfigMapping(prefix = "mailca.dane")
public interface DaneSettings {
    /** Services of a host without its own entry: {@code smtp} (port 25, RFC 7672 §2.2). */
    @WithDefault("smtp")
    List<String> defaultServices();

    /**
     * Whether a host without configured services gets those its MX and SRV records name
     * (RFC 5321 §5.1, RFC 6186, RFC 8314) before falling back to {@link #defaultServices()}.
     */
    @WithDefault("true")
    boolean servicesFromDns();

    /**
     * The mail domains whose MX and SRV records name mail hosts, and whose MTA-STS policy
     * (RFC 8461) is checked; unset means {@code mailca.domains}.
     */
    Optional<List<String>> mailDomains();

    /** TTL of the TLSA RRsets MailCA creates; RFC 7671 §8.4 counts rollover time in TTLs. */
    @WithDefault("3600")
    int ttl();

    /** Per-host settings, keyed by host name. */
    Map<String, Host> hosts();

    /** Zones MailCA publishes into, keyed by zone name; a host goes to the longest match. */
    Map<String, Zone> zones();

    /**
     * An external validating resolver ({@code host:port}) whose AD bit judges DNSSEC status, as
     * a sending MTA's resolver would; MailCA then trusts it and the path to it. Unset: MailCA
     * validates in process (RFC 4035 §5) with the trust anchors below.
     */
    Optional<String> validatingResolver();

    /**
     * DS or DNSKEY lines (zone-file format) trusted besides the root's KSKs, for a signed zone
     * whose DS lies in no parent; read again when it changes.
     */
    Optional<String> trustAnchorFile();

    /** Whether IANA's root KSKs are trust anchors of the in-process validator. */
    @WithDefault("true")
    boolean rootTrustAnchor();

    /**
     * The resolver the in-process validator asks for records and signatures
     * ({@code host:port}); unset means {@code mailca.dns.resolver}.
     */
    Optional<String> validatorUpstream();

    /** Time allowed for each DNS message and each probe step. */
    @WithDefault("10s")
    Duration timeout();

    Retry retry();

    /** How often the worker looks for due jobs ({@code off} in tests, which run it by hand). */
    @WithDefault("5s")
    String workerEvery();

    /** How often every host is compared with DNS and repaired. */
    @WithDefault("1h")
    String reconcileEvery();

    /** How often every host is probed. */
    @WithDefault("15m")
    String probeEvery();

    Probe probe();

    MtaSts mtaSts();

    /** Per-host choices (RFC 7671 §8, RFC 7672 §3.1). */
    interface Host {
        /**
         * Service names: smtp, submission, submissions, imap, imaps, pop3, pop3s, each at its
         * standard port or at another one as {@code imaps:9993} (smtp is always 25).
         */
        Optional<List<String>> services();

        /** Selector of the DANE-EE records: 1 (default) or 0. */
        @WithDefault("1")
        int leafSelector();

        /** Selector of the DANE-TA records: 1 (default) or 0 (RFC 7672 §3.1.2). */
        @WithDefault("1")
        int caSelector();

        /** Matching type: 1 SHA-256 (default) or 2 SHA-512. */
        @WithDefault("1")
        int matchingType();

        /** TTL of this host's RRsets; default {@code mailca.dane.ttl}. */
        Optional<Integer> ttl();
    }

    /** How to publish into one zone. */
    interface Zone {
        /** {@code rfc2136} (default), {@code powerdns} or {@code script}. */
        @WithDefault("rfc2136")
        String publisher();

        /** Primary server for updates, {@code host} or {@code host:port} (TCP). */
        Optional<String> server();

        /** TSIG key name (RFC 8945). */
        Optional<String> tsigKeyName();

        /** TSIG algorithm: hmac-sha256 (default), hmac-sha384, hmac-sha512. */
        @WithDefault("hmac-sha256")
        String tsigAlgorithm();

        /** TSIG secret, base64; prefer {@link #tsigSecretFile()} or the environment. */
        Optional<String> tsigSecret();

        /** A file holding the base64 TSIG secret. */
        Optional<String> tsigSecretFile();

        /** The operator script for {@code publisher=script}. */
        Optional<String> script();

        /**
         * Authoritative servers to verify ({@code host:port}, ...); unset means the zone's NS
         * records on port 53.
         */
        Optional<List<String>> authoritative();

        /** Base URL of the PowerDNS HTTP API for {@code publisher=powerdns}. */
        Optional<String> apiUrl();

        /** The PowerDNS server id in API paths ({@code /api/v1/servers/{id}}). */
        @WithDefault("localhost")
        String serverId();

        /** The PowerDNS API key; prefer {@link #apiKeyFile()} or the environment. */
        Optional<String> apiKey();

        /** A file holding the PowerDNS API key. */
        Optional<String> apiKeyFile();
    }

    /** Backoff of failed jobs: base × 2^(attempt−1), at most max. */
    interface Retry {
        @WithDefault("5s")
        Duration base();

        @WithDefault("1h")
        Duration max();

        /** How long a claimed job belongs to its worker before another may take it. */
        @WithDefault("2m")
        Duration lease();
    }

    /** The probe of what mail hosts serve. */
    interface Probe {
        /**
         * Connect to another port than the one clients use, keyed by that port (the SRV
         * record's for a service at another port): {@code port-override."25"=2525}.
         */
        Map<String, Integer> portOverride();

        /** Connect to this address instead of resolving the host (tests, split horizon). */
        Optional<String> address();
    }

    /** Fetching MTA-STS policies (RFC 8461 §3.3), to warn about enforce mode. */
    interface MtaSts {
        /** Fetch the policy from this address instead of resolving mta-sts.DOMAIN (tests). */
        Optional<String> address();

        /** The policy host's HTTPS port; RFC 8461 §3.3 uses 443 (others: tests, forwarding). */
        @WithDefault("443")
        int port();
    }
}
