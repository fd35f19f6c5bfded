package io.mailca.policy;

import io.mailca.dns.DnsClient;
import io.mailca.policy.Decision.Verdict;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The default policy: MailCA certifies only the company's mail hosts. A name must lie at or
 * under one of the mail domains (the same list the CA's Name Constraints permit, RFC 5280
 * §4.2.1.10) and be a mail host: it is listed explicitly, matches an operator's host pattern,
 * is the exchange of an MX record of a mail domain, or the target of a mail-service SRV record
 * of a mail domain (RFC 6186, RFC 8314). Then the account's {@link NameScope} narrows it.
 * IP identifiers are never certified; wildcards only under a pattern that enables them.
 *
 * <p>Host patterns ({@code mailca.policy.host-patterns}) are label globs, {@code *} standing
 * for letters, digits and hyphens within one label:
 * <ul>
 * <li>{@code mx*}, without a dot: a host directly under any mail domain
 * ({@code mx1.example.com}, not {@code mx1.eu.example.com});
 * <li>{@code mx*.eu.example.com}, with a dot: a glob of the first label followed by a name at
 * or under a mail domain, so {@code mx1.eu.example.com} but not {@code mx1.x.eu.example.com};
 * <li>{@code *.PATTERN}: the wildcard identifier {@code *.NAME} for each NAME that PATTERN
 * matches (RFC 8555 §7.1.3); no wildcard is certified otherwise.
 * </ul>
 * See docs/policy.md.
 */
@ApplicationScoped
public class MailHostPolicy implements IdentifierPolicy {
    private static final Logger LOG = Logger.getLogger(MailHostPolicy.class);

    /** One compiled {@code mailca.policy.host-patterns} entry. */
    private record HostPattern(String source, Pattern names, boolean wildcard) {
    }

    private final List<String> domains;
    private final List<HostPattern> patterns;
    private final List<String> explicitHosts;
    private final int maxIdentifiers;
    private final MailHostRecords records;
    private final Duration cacheFor;

    @Inject
    MailHostPolicy(
            @ConfigProperty(name = "mailca.domains") List<String> domains,
            @ConfigProperty(name = "mailca.policy.host-patterns",
                    defaultValue = "mx*,smtp*,mail*,imap*,pop*,submission*")
            Optional<List<String>> hostPatterns,
            @ConfigProperty(name = "mailca.policy.hosts") Optional<List<String>> explicitHosts,
            @ConfigProperty(name = "mailca.policy.max-identifiers", defaultValue = "10")
            int maxIdentifiers,
            @ConfigProperty(name = "mailca.policy.mx-evidence", defaultValue = "true")
            boolean mxEvidence,
            @ConfigProperty(name = "mailca.policy.srv-evidence", defaultValue = "true")
            boolean srvEvidence,
            @ConfigProperty(name = "mailca.policy.dns-cache", defaultValue = "PT1M")
            Duration cacheFor,
            DnsClient dns, Clock clock) {
        this.domains = domains.stream().map(MailHostPolicy::bare).toList();
        this.patterns = hostPatterns.orElse(List.of()).stream().map(String::trim)
                .filter(s -> !s.isEmpty()).map(this::compile).toList();
        this.explicitHosts = explicitHosts.orElse(List.of()).stream().map(MailHostPolicy::bare)
                .filter(s -> !s.isEmpty()).toList();
        for (var host : this.explicitHosts) {
            if (domainOf(host).isEmpty()) {
                throw new IllegalStateException("mailca.policy.hosts: " + host
                        + " is not under a mail domain " + this.domains);
            }
        }
        this.maxIdentifiers = maxIdentifiers;
        this.cacheFor = cacheFor;
        this.records = new MailHostRecords(dns, this.domains, mxEvidence, srvEvidence,
                cacheFor, clock);
    }

    void logActivePolicy(@Observes StartupEvent event) {
        LOG.info(describe());
    }

    /** The active policy in one line, as logged at start. */
    public String describe() {
        return String.format("Mail host policy: domains %s, host patterns %s, explicit hosts %s,"
                + " MX evidence %s, SRV evidence %s (cached %s), at most %d identifiers per"
                + " order; accounts may be narrowed by their name scope", domains,
                patterns.stream().map(HostPattern::source).toList(), explicitHosts,
                records.mx() ? "on" : "off", records.srv() ? "on" : "off", cacheFor,
                maxIdentifiers);
    }

    @Override
    public int maxIdentifiersPerOrder() {
        return maxIdentifiers;
    }

    @Override
    public Decision check(String type, String value, NameScope scope) {
        if ("ip".equals(type)) {
            return Decision.refused(Verdict.REJECTED, value
                    + ": IP addresses are never certified; mail hosts are named by DNS");
        }
        if (!"dns".equals(type)) {
            return Decision.refused(Verdict.UNSUPPORTED,
                    "identifier type '" + type + "' is not supported; use dns");
        }
        var global = value.startsWith("*.") ? checkWildcard(value) : checkHost(value);
        if (!global.isAllowed() || scope.covers(global.normalized())) {
            return global;
        }
        return Decision.refused(Verdict.REJECTED, global.normalized()
                + ": outside this account's name scope (" + String.join(", ", scope.entries())
                + ")");
    }

    private Decision checkWildcard(String value) {
        var base = value.substring(2);
        var syntax = HostNames.syntaxError(base);
        if (syntax.isPresent()) {
            return Decision.refused(Verdict.MALFORMED, value + ": " + syntax.get());
        }
        var name = "*." + HostNames.normalize(base);
        var domain = domainOf(name.substring(2));
        if (domain.isEmpty()) {
            return outside(name);
        }
        for (var pattern : patterns) {
            if (pattern.wildcard() && pattern.names().matcher(name.substring(2)).matches()) {
                return Decision.allowed(name, name + ": host pattern " + pattern.source()
                        + " allows this wildcard");
            }
        }
        return Decision.refused(Verdict.REJECTED, name + ": wildcard names are certified only"
                + " under a host pattern that enables them, and none matches");
    }

    private Decision checkHost(String value) {
        var syntax = HostNames.syntaxError(value);
        if (syntax.isPresent()) {
            return Decision.refused(Verdict.MALFORMED, value + ": " + syntax.get());
        }
        var name = HostNames.normalize(value);
        if (domainOf(name).isEmpty()) {
            return outside(name);
        }

        if (explicitHosts.contains(name)) {
            return Decision.allowed(name, name + ": listed as a mail host");
        }
        for (var pattern : patterns) {
            if (!pattern.wildcard() && pattern.names().matcher(name).matches()) {
                return Decision.allowed(name, name + ": matches host pattern "
                        + pattern.source());
            }
        }
        if (!records.enabled()) {
            return Decision.refused(Verdict.REJECTED, name + ": it matches no host pattern and"
                    + " is not listed as a mail host");
        }

        var snapshot = records.snapshot();
        var evidence = snapshot.hosts().get(name);
        if (evidence != null) {
            return Decision.allowed(name, name + ": " + evidence + " points to it");
        }
        var what = records.mx() && records.srv() ? "MX or SRV" : records.mx() ? "MX" : "SRV";
        var failed = snapshot.failures().isEmpty() ? ""
                : " (but these lookups failed: " + String.join("; ", snapshot.failures()) + ")";
        return Decision.refused(Verdict.REJECTED, name + ": no " + what
                + " record points to it and it matches no host pattern" + failed);
    }

    private Decision outside(String name) {
        return Decision.refused(Verdict.REJECTED, name + ": not under a permitted domain ("
                + String.join(", ", domains) + ")");
    }

    private Optional<String> domainOf(String name) {
        return domains.stream()
                .filter(d -> name.equals(d) || name.endsWith("." + d))
                .findFirst();
    }

    private HostPattern compile(String source) {
        var entry = source.toLowerCase(Locale.ROOT);
        var wildcard = entry.startsWith("*.");
        var glob = wildcard ? entry.substring(2) : entry;
        if (glob.isEmpty() || !glob.matches("[a-z0-9*-]+(\\.[a-z0-9*-]+)*")) {
            throw new IllegalStateException("mailca.policy.host-patterns: '" + source
                    + "' is not a pattern of letters, digits, hyphens, dots and *");
        }
        if (glob.indexOf('.') < 0) {
            // A bare label glob stands for a host directly under each mail domain.
            var alternatives = new ArrayList<String>();
            for (var domain : domains) {
                alternatives.add(NameScope.glob(glob).pattern() + Pattern.quote("." + domain));
            }
            return new HostPattern(source, Pattern.compile(String.join("|", alternatives)),
                    wildcard);
        }
        var suffix = glob.substring(glob.indexOf('.') + 1);
        var anchored = domains.stream().anyMatch(d -> !suffix.contains("*")
                && (suffix.equals(d) || suffix.endsWith("." + d)));
        if (!anchored) {
            throw new IllegalStateException("mailca.policy.host-patterns: '" + source
                    + "' must name a host under a mail domain " + domains
                    + " (globs only in its first label)");
        }
        return new HostPattern(source, NameScope.glob(glob), wildcard);
    }

    private static String bare(String name) {
        var s = name.trim().toLowerCase(Locale.ROOT);
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
