package io.mailca.validation;

import io.mailca.dns.DnsClient;
import io.mailca.dns.DnsException;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.xbill.DNS.CAARecord;
import org.xbill.DNS.Type;

/**
 * CAA checking (RFC 8659): may MailCA, known in CAA records by its issuer domain names
 * ({@code mailca.acme.caa-identities}, the directory's {@code caaIdentities}), certify a name
 * for an account validated by a given method?
 *
 * <ul>
 * <li>The relevant RRset is the first non-empty CAA RRset found at the name or, climbing one
 * label at a time, at its ancestors down to the top-level domain (RFC 8659 §3). A CNAME at a
 * name is followed by {@link DnsClient}; the climb continues from the name, not the target.
 * <li>No relevant RRset, or one without {@code issue} records, permits issuance. For a
 * wildcard, {@code issuewild} records take precedence when present (§4.3).
 * <li>An {@code issue} record permits MailCA when its issuer domain name is one of MailCA's
 * and its parameters allow: {@code accounturi} must be the account's URI and
 * {@code validationmethods} must list the method used (RFC 8657 §3, §4). Unknown parameters
 * are ignored; an unknown tag with the critical flag forbids issuance (§4.1).
 * <li>A lookup that fails (SERVFAIL, timeout) forbids issuance: silence is no permission.
 * One deliberate departure (docs/policy.md): a failure at a name above every mail domain
 * ({@code mailca.domains}), such as the top-level domain, counts as no CAA there. Those names
 * belong to registries, not to the company, and a resolver that serves only the company's
 * zones (an internal one) refuses them; records found there are still obeyed.
 * </ul>
 */
@ApplicationScoped
public class CaaCheck {
    private static final int CRITICAL = 0x80;
    private static final Logger LOG = Logger.getLogger(CaaCheck.class);

    private final DnsClient dns;
    private final List<String> identities;
    private final List<String> domains;
    private final boolean enabled;
    private final String accountPrefix;

    CaaCheck(DnsClient dns,
            @ConfigProperty(name = "mailca.acme.caa-identities") List<String> identities,
            @ConfigProperty(name = "mailca.domains") List<String> domains,
            @ConfigProperty(name = "mailca.policy.caa.enabled", defaultValue = "true")
            boolean enabled,
            @ConfigProperty(name = "mailca.acme.base-url") String baseUrl) {
        this.dns = dns;
        this.identities = identities.stream().map(i -> i.trim().toLowerCase(Locale.ROOT))
                .filter(i -> !i.isEmpty()).toList();
        this.domains = domains.stream().map(d -> d.trim().toLowerCase(Locale.ROOT)).toList();
        this.enabled = enabled;
        // The same account URL acme.AcmeUrls hands out (RFC 8555 §7.3); validation sits below
        // the front end, so it builds the URL from the same setting.
        var base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.accountPrefix = base + "/acme/acct/";
    }

    void logActiveCheck(@Observes StartupEvent event) {
        if (enabled) {
            LOG.infof("CAA (RFC 8659) is checked at validation and, after 8 hours, at finalize;"
                    + " MailCA's issuer names: %s", identities);
        } else {
            LOG.info("CAA checking is off (mailca.policy.caa.enabled=false)");
        }
    }

    /** Whether CAA is checked at all ({@code mailca.policy.caa.enabled}). */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Checks CAA for one name.
     *
     * @param name the host name, lower case, without a wildcard prefix
     * @param wildcard whether the certificate will name {@code *.name}
     * @param accountId the ACME account that asks
     * @param method the validation method that succeeded, e.g. {@code http-01}
     * @return success, or an outcome of type {@code caa} (or {@code dns} when the lookup failed)
     *     whose detail names the record at fault and what to add
     */
    public ValidationOutcome check(String name, boolean wildcard, String accountId,
            String method) {
        if (!enabled) {
            return ValidationOutcome.success();
        }
        var shown = wildcard ? "*." + name : name;
        List<CAARecord> relevant = List.of();
        var owner = name;
        for (var x = Optional.of(name); x.isPresent(); x = parent(x.get())) {
            owner = x.get();
            try {
                relevant = dns.lookup(owner, Type.CAA).records(CAARecord.class);
            } catch (DnsException e) {
                if (aboveMailDomains(owner)) {
                    continue;
                }
                return ValidationOutcome.invalid(ValidationOutcome.DNS, "CAA could not be"
                        + " checked for " + shown + ", so it is not certified (RFC 8659 §3): "
                        + e.getMessage());
            }
            if (!relevant.isEmpty()) {
                break;
            }
        }
        if (relevant.isEmpty()) {
            return ValidationOutcome.success();
        }
        var at = owner;

        for (var record : relevant) {
            var tag = record.getTag().toLowerCase(Locale.ROOT);
            var known = tag.equals("issue") || tag.equals("issuewild") || tag.equals("iodef");
            if (!known && (record.getFlags() & CRITICAL) != 0) {
                return refused(shown, at, record, "it carries the critical flag with a"
                        + " property MailCA does not know (RFC 8659 §4.1)");
            }
        }
        var tag = wildcard && relevant.stream()
                .anyMatch(r -> r.getTag().equalsIgnoreCase("issuewild")) ? "issuewild" : "issue";
        var issuers = relevant.stream().filter(r -> r.getTag().equalsIgnoreCase(tag)).toList();
        if (issuers.isEmpty()) {
            return ValidationOutcome.success();
        }

        var naming = new ArrayList<String>();
        for (var record : issuers) {
            var value = IssueValue.parse(record.getValue());
            if (value.isEmpty() || !identities.contains(value.get().issuer())) {
                continue;
            }
            var why = parameterRefusal(value.get(), accountId, method);
            if (why.isEmpty()) {
                return ValidationOutcome.success();
            }
            naming.add("CAA record " + text(at, record) + " names MailCA but " + why.get());
        }
        if (!naming.isEmpty()) {
            return ValidationOutcome.invalid("caa", String.join("; ", naming) + " (RFC 8657);"
                    + " " + shown + " is not certified");
        }
        var records = issuers.stream().map(r -> text(at, r)).toList();
        return ValidationOutcome.invalid("caa", "CAA " + (records.size() == 1 ? "record "
                : "records ") + String.join(", ", records) + " forbid" + (records.size() == 1
                ? "s" : "") + " MailCA to certify " + shown + ": MailCA's name "
                + identities.get(0) + " must be added, e.g. " + at + ". CAA 0 " + tag
                + " \"" + identities.get(0) + "\" (RFC 8659 §4.2)");
    }

    private Optional<String> parameterRefusal(IssueValue value, String accountId,
            String method) {
        var accountUri = accountPrefix + accountId;
        for (var parameter : value.parameters()) {
            var key = parameter[0].toLowerCase(Locale.ROOT);
            if (key.equals("accounturi") && !parameter[1].equals(accountUri)) {
                return Optional.of("only for account " + parameter[1] + ", not " + accountUri);
            }
            if (key.equals("validationmethods")) {
                var methods = Arrays.stream(parameter[1].split(",")).map(String::trim).toList();
                if (!methods.contains(method)) {
                    return Optional.of("only for validation methods " + parameter[1]
                            + ", not " + method);
                }
            }
        }
        return Optional.empty();
    }

    private static ValidationOutcome refused(String shown, String owner, CAARecord record,
            String why) {
        return ValidationOutcome.invalid("caa", "CAA record " + text(owner, record)
                + " forbids certifying " + shown + ": " + why);
    }

    private static String text(String owner, CAARecord record) {
        return owner + ". CAA " + record.getFlags() + " " + record.getTag() + " \""
                + record.getValue() + "\"";
    }

    private boolean aboveMailDomains(String owner) {
        return domains.stream().noneMatch(d -> owner.equals(d) || owner.endsWith("." + d));
    }

    private static Optional<String> parent(String name) {
        var dot = name.indexOf('.');
        return dot < 0 ? Optional.empty() : Optional.of(name.substring(dot + 1));
    }

    /** The value of an issue or issuewild property (RFC 8659 §4.2). */
    record IssueValue(String issuer, List<String[]> parameters) {
        static Optional<IssueValue> parse(String text) {
            var parts = text.split(";", -1);
            var issuer = parts[0].trim().toLowerCase(Locale.ROOT);
            if (issuer.endsWith(".")) {
                return Optional.empty();
            }
            var parameters = new ArrayList<String[]>();
            for (int i = 1; i < parts.length; i++) {
                var part = parts[i].trim();
                if (part.isEmpty()) {
                    continue;
                }
                var eq = part.indexOf('=');
                if (eq <= 0) {
                    // A malformed parameter makes the whole record unusable (§4.2).
                    return Optional.empty();
                }
                parameters.add(new String[] {part.substring(0, eq).trim(),
                        part.substring(eq + 1).trim()});
            }
            return Optional.of(new IssueValue(issuer, parameters));
        }
    }
}
