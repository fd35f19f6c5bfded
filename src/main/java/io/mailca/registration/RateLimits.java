package io.mailca.registration;

import io.mailca.store.Account;
import io.mailca.store.RateLimitEvents;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Rate limits, counted in the database so that every replica sees the same counts (DESIGN.md,
 * Storage): new orders per account, and certificates per mail domain. A refusal is a
 * {@link RateLimited} problem (RFC 8555 §6.6) saying when to come back.
 *
 * <p>The mail domain of a name is the longest of {@code mailca.domains} it lies under: a
 * company that lists a subsidiary's subdomain there gives it a budget of its own. The check and
 * the count are two statements, not one, so replicas answering at the same instant may each
 * admit one request over a limit; the limits guard against runaway clients, not against an
 * exact count.
 */
@ApplicationScoped
public class RateLimits {
    static final String ORDERS_PER_ACCOUNT = "orders-per-account";
    static final String CERTIFICATES_PER_DOMAIN = "certificates-per-domain";

    /** One limit: at most {@code limit} events per {@code window}; 0 or less is no limit. */
    public record Limit(String name, int limit, Duration window) {
        boolean enabled() {
            return limit > 0;
        }

        /** The window as a person says it: "hour", "7 days". */
        public String windowText() {
            return describe(window);
        }
    }

    private final RateLimitEvents events;
    private final Clock clock;
    private final Limit ordersPerAccount;
    private final Limit certificatesPerDomain;
    private final List<String> domains;
    private final String helpUrl;

    RateLimits(RateLimitEvents events, Clock clock,
            @ConfigProperty(name = "mailca.rate-limits.orders-per-account.limit",
                    defaultValue = "300") int ordersLimit,
            @ConfigProperty(name = "mailca.rate-limits.orders-per-account.window",
                    defaultValue = "PT1H") Duration ordersWindow,
            @ConfigProperty(name = "mailca.rate-limits.certificates-per-domain.limit",
                    defaultValue = "1000") int certificatesLimit,
            @ConfigProperty(name = "mailca.rate-limits.certificates-per-domain.window",
                    defaultValue = "P7D") Duration certificatesWindow,
            @ConfigProperty(name = "mailca.domains") List<String> domains,
            @ConfigProperty(name = "mailca.rate-limits.help-url") String helpUrl) {
        this.events = events;
        this.clock = clock;
        this.ordersPerAccount = new Limit(ORDERS_PER_ACCOUNT, ordersLimit, ordersWindow);
        this.certificatesPerDomain = new Limit(CERTIFICATES_PER_DOMAIN, certificatesLimit,
                certificatesWindow);
        this.domains = domains.stream().map(d -> d.strip().toLowerCase(Locale.ROOT)).toList();
        this.helpUrl = helpUrl;
    }

    /** The limits in force, for the help page. */
    public List<Limit> limits() {
        return List.of(ordersPerAccount, certificatesPerDomain);
    }

    public String helpUrl() {
        return helpUrl;
    }

    /**
     * Admits a new order of the account for {@code names}, or refuses it: the account's
     * orders in the window, and the certificates of each name's mail domain (refusing at
     * newOrder spares the client validations that could not end in a certificate). Counts
     * the order when admitted. The caller holds the transaction.
     */
    void admitOrder(Account account, Collection<String> names) {
        var now = clock.instant();
        for (var domain : mailDomainsOf(names)) {
            check(certificatesPerDomain, domain, now, "certificates for names under " + domain);
        }
        check(ordersPerAccount, account.id, now, "new orders of this account");
        if (ordersPerAccount.enabled()) {
            events.record(ORDERS_PER_ACCOUNT, account.id, now);
        }
    }

    /**
     * Admits a pre-authorization (RFC 8555 §7.4.1), which counts against the account's
     * orders: each creates objects just as an order does.
     */
    void admitPreAuthorization(Account account) {
        var now = clock.instant();
        check(ordersPerAccount, account.id, now, "new orders and pre-authorizations of this"
                + " account");
        if (ordersPerAccount.enabled()) {
            events.record(ORDERS_PER_ACCOUNT, account.id, now);
        }
    }

    /** Checks the mail domains' certificate budgets again just before signing. */
    void admitCertificate(Collection<String> names) {
        var now = clock.instant();
        for (var domain : mailDomainsOf(names)) {
            check(certificatesPerDomain, domain, now, "certificates for names under " + domain);
        }
    }

    /** Counts an issued certificate once for each mail domain it names. */
    void recordCertificate(Collection<String> names) {
        if (!certificatesPerDomain.enabled()) {
            return;
        }
        var now = clock.instant();
        for (var domain : mailDomainsOf(names)) {
            events.record(CERTIFICATES_PER_DOMAIN, domain, now);
        }
    }

    /** The longest configured mail domain each name lies under. */
    TreeSet<String> mailDomainsOf(Collection<String> names) {
        var result = new TreeSet<String>();
        for (var name : names) {
            domains.stream().filter(d -> name.equals(d) || name.endsWith("." + d))
                    .max((a, b) -> Integer.compare(a.length(), b.length()))
                    .ifPresent(result::add);
        }
        return result;
    }

    private void check(Limit limit, String subject, Instant now, String what) {
        if (!limit.enabled()) {
            return;
        }
        var since = now.minus(limit.window());
        events.purge(limit.name(), subject, since);
        if (events.countSince(limit.name(), subject, since) < limit.limit()) {
            return;
        }
        // Come back when the oldest counted event leaves the window.
        var oldest = events.oldestSince(limit.name(), subject, since).orElse(now);
        var wait = Duration.between(now, oldest.plus(limit.window()));
        var seconds = Math.max(1, wait.getSeconds() + (wait.getNano() > 0 ? 1 : 0));
        throw new RateLimited("rate limit " + limit.name() + " reached: at most "
                + limit.limit() + " " + what + " per " + describe(limit.window())
                + "; retry after " + seconds + " seconds", seconds, helpUrl);
    }

    static String describe(Duration window) {
        if (window.toDaysPart() > 0 && window.toHoursPart() == 0
                && window.toMinutesPart() == 0 && window.toSecondsPart() == 0) {
            return window.toDays() == 1 ? "day" : window.toDays() + " days";
        }
        if (window.toHoursPart() > 0 && window.toMinutesPart() == 0
                && window.toSecondsPart() == 0 && window.toDaysPart() == 0) {
            return window.toHours() == 1 ? "hour" : window.toHours() + " hours";
        }
        return window.getSeconds() + " seconds";
    }
}
