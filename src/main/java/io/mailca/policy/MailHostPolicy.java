package io.mailca.policy;

import io.mailca.policy.Decision.Verdict;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import io.quarkus.runtime.StartupEvent;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The default policy: MailCA certifies only the company's mail hosts. A name must lie at or
 * under one of the mail domains (the same list the CA's Name Constraints permit) and be a mail
 * host, which here means it matches an operator-configured host pattern or is listed explicitly.
 * IP identifiers and wildcards are always refused.
 */
@ApplicationScoped
public class MailHostPolicy implements IdentifierPolicy {
    private static final Logger LOG = Logger.getLogger(MailHostPolicy.class);

    private final List<String> domains;
    private final List<Pattern> hostPatterns;
    private final List<String> patternSources;
    private final List<String> explicitHosts;
    private final int maxIdentifiers;

    MailHostPolicy(
            @ConfigProperty(name = "mailca.domains") List<String> domains,
            @ConfigProperty(name = "mailca.policy.host-patterns",
                    defaultValue = "mx*,smtp*,mail*,imap*,pop*,submission*")
            List<String> hostPatterns,
            @ConfigProperty(name = "mailca.policy.hosts") Optional<List<String>> explicitHosts,
            @ConfigProperty(name = "mailca.policy.max-identifiers", defaultValue = "10")
            int maxIdentifiers) {
        this.domains = domains.stream().map(d -> d.trim().toLowerCase(Locale.ROOT)).toList();
        this.patternSources = hostPatterns.stream().map(String::trim).toList();
        this.hostPatterns = patternSources.stream().map(MailHostPolicy::labelGlob).toList();
        this.explicitHosts = explicitHosts.orElse(List.of()).stream()
                .map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        this.maxIdentifiers = maxIdentifiers;
    }

    void logActivePolicy(@Observes StartupEvent event) {
        LOG.infof("Mail host policy: domains %s, host patterns %s, explicit hosts %s,"
                + " at most %d identifiers per order", domains, patternSources, explicitHosts,
                maxIdentifiers);
    }

    @Override
    public int maxIdentifiersPerOrder() {
        return maxIdentifiers;
    }

    @Override
    public Decision check(String type, String value) {
        if ("ip".equals(type)) {
            return Decision.refused(Verdict.REJECTED, value
                    + ": IP addresses are never certified; mail hosts are named by DNS");
        }
        if (!"dns".equals(type)) {
            return Decision.refused(Verdict.UNSUPPORTED,
                    "identifier type '" + type + "' is not supported; use dns");
        }
        if (value.startsWith("*.")) {
            return Decision.refused(Verdict.REJECTED,
                    value + ": wildcard names are not issued for mail hosts");
        }
        var syntax = HostNames.syntaxError(value);
        if (syntax.isPresent()) {
            return Decision.refused(Verdict.MALFORMED, value + ": " + syntax.get());
        }

        var name = HostNames.normalize(value);
        var domain = domainOf(name);
        if (domain.isEmpty()) {
            return Decision.refused(Verdict.REJECTED, name + ": not under a permitted domain ("
                    + String.join(", ", domains) + ")");
        }

        if (explicitHosts.contains(name)) {
            return Decision.allowed(name, name + ": listed as a mail host");
        }
        // TODO(#3): MX and SRV records of the mail domains are evidence of a mail host too.
        var firstLabel = name.substring(0, name.indexOf('.'));
        for (int i = 0; i < hostPatterns.size(); i++) {
            if (hostPatterns.get(i).matcher(firstLabel).matches()) {
                return Decision.allowed(name, name + ": matches host pattern "
                        + patternSources.get(i) + "." + domain.get());
            }
        }
        return Decision.refused(Verdict.REJECTED, name
                + ": matches no mail host pattern (" + String.join(", ", patternSources)
                + ") and is not listed as a mail host");
    }

    private Optional<String> domainOf(String name) {
        return domains.stream()
                .filter(d -> name.equals(d) || name.endsWith("." + d))
                .findFirst();
    }

    /** A glob over one label: {@code *} stands for any run of LDH characters. */
    private static Pattern labelGlob(String glob) {
        var regex = new StringBuilder();
        for (var c : glob.toLowerCase(Locale.ROOT).toCharArray()) {
            regex.append(c == '*' ? "[a-z0-9-]*" : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(regex.toString());
    }
}
