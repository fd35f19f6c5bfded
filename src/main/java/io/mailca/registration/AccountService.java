package io.mailca.registration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mailca.store.Account;
import io.mailca.store.Accounts;
import io.mailca.store.AuditLog;
import io.mailca.store.Authorizations;
import io.mailca.store.EabKey;
import io.mailca.store.EabKeys;
import io.mailca.store.Ids;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Accounts (RFC 8555 §7.3): creation, lookup, update, deactivation and key change. */
@ApplicationScoped
public class AccountService {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MAILBOX =
            Pattern.compile("[A-Za-z0-9.!#$%&'*+/=^_`{|}~-]+@[A-Za-z0-9.-]+\\.[A-Za-z0-9-]+");
    private static final int MAX_CONTACTS = 10;

    private final Accounts accounts;
    private final Authorizations authorizations;
    private final AuditLog audit;
    private final Clock clock;
    private final EabKeys eabKeys;
    private final boolean externalAccountRequired;

    AccountService(Accounts accounts, Authorizations authorizations, AuditLog audit,
            Clock clock, EabKeys eabKeys,
            @ConfigProperty(name = "mailca.acme.external-account-required",
                    defaultValue = "false") boolean externalAccountRequired) {
        this.accounts = accounts;
        this.authorizations = authorizations;
        this.audit = audit;
        this.clock = clock;
        this.eabKeys = eabKeys;
        this.externalAccountRequired = externalAccountRequired;
    }

    /**
     * What a {@code newAccount} payload asks for. The binding, when there is one, is checked
     * only when a new account is about to be created: a key that already has an account gets
     * it back whatever binding it sends (§7.3.1), as cert-manager expects on restart.
     */
    public record NewAccount(List<String> contact, Boolean termsOfServiceAgreed,
            boolean onlyReturnExisting, Supplier<ExternalBinding> binding) {
        public NewAccount(List<String> contact, Boolean termsOfServiceAgreed,
                boolean onlyReturnExisting) {
            this(contact, termsOfServiceAgreed, onlyReturnExisting, null);
        }
    }

    /**
     * An External Account Binding (RFC 8555 §7.3.4) whose form the front end checked: the key
     * identifier, and a test of its MAC against a key, which only this layer can look up.
     */
    public record ExternalBinding(String kid, Predicate<byte[]> macVerifies) {
    }

    /** The account, and whether this request created it (201) or found it (200). */
    public record Registration(Account account, boolean created) {
    }

    /**
     * RFC 8555 §7.3 and §7.3.1: finds the account of a key, or creates one. When two requests
     * race to create the same key's account, the loser finds the winner's.
     */
    public Registration register(String thumbprint, String jwk, NewAccount request) {
        try {
            return QuarkusTransaction.requiringNew()
                    .call(() -> registerOnce(thumbprint, jwk, request));
        } catch (AcmeProblem problem) {
            throw problem;
        } catch (RuntimeException e) {
            var winner = QuarkusTransaction.requiringNew()
                    .call(() -> accounts.byThumbprint(thumbprint));
            if (winner.isEmpty()) {
                throw e;
            }
            return new Registration(winner.get(), false);
        }
    }

    private Registration registerOnce(String thumbprint, String jwk, NewAccount request) {
        var existing = accounts.byThumbprint(thumbprint);
        if (existing.isPresent()) {
            // §7.3.6: a deactivated account's key authorizes nothing, not even the lookup.
            if (!"valid".equals(existing.get().status)) {
                throw new AcmeProblem(ProblemType.UNAUTHORIZED, "the account of this key is "
                        + existing.get().status + " and can no longer be used");
            }
            return new Registration(existing.get(), false);
        }
        if (request.onlyReturnExisting()) {
            throw new AcmeProblem(ProblemType.ACCOUNT_DOES_NOT_EXIST,
                    "no account exists with the provided key");
        }
        var contact = checkedContact(request.contact());
        EabKey key = null;
        if (request.binding() != null) {
            key = bindingKey(request.binding().get());
            if (key.accountId != null) {
                // The same account key racing itself: the first request bound the key.
                var bound = accounts.byId(key.accountId).orElseThrow();
                if (bound.jwkThumbprint.equals(thumbprint)) {
                    return new Registration(bound, false);
                }
                throw new AcmeProblem(ProblemType.UNAUTHORIZED, "the external account key "
                        + key.kid + " is already bound to another account");
            }
        } else if (externalAccountRequired) {
            throw new AcmeProblem(ProblemType.EXTERNAL_ACCOUNT_REQUIRED, "this server requires"
                    + " an externalAccountBinding (RFC 8555 §7.3.4) in newAccount; ask the CA's"
                    + " operators for a key identifier and MAC key");
        }

        var account = new Account();
        account.id = Ids.random();
        account.jwkThumbprint = thumbprint;
        account.jwk = jwk;
        account.status = "valid";
        account.contact = toJson(contact);
        account.termsAgreed = Boolean.TRUE.equals(request.termsOfServiceAgreed());
        account.createdAt = clock.instant();
        if (key != null) {
            account.eabKeyId = key.kid;
            account.nameScope = key.nameScope;
        }
        accounts.add(account);
        accounts.flush();
        if (key != null) {
            key.accountId = account.id;
            key.boundAt = account.createdAt;
        }

        audit.record("account:" + account.id, "account.created", account.id,
                "contacts=" + contact.size() + (key == null ? "" : " eab=" + key.kid
                        + " scope=" + key.nameScope));
        return new Registration(account, true);
    }

    /**
     * The locked key of a binding, once its MAC verifies and it may bind. Unknown and wrong
     * MAC say the same, so that a guessed key identifier learns nothing.
     */
    private EabKey bindingKey(ExternalBinding binding) {
        var key = eabKeys.byKidForUpdate(binding.kid()).orElse(null);
        if (key == null) {
            throw new AcmeProblem(ProblemType.UNAUTHORIZED, "the externalAccountBinding kid "
                    + printable(binding.kid()) + " is unknown, or its MAC does not verify");
        }
        var secret = ExternalAccountKeys.macKeyOf(key);
        try {
            if (!binding.macVerifies().test(secret)) {
                throw new AcmeProblem(ProblemType.UNAUTHORIZED, "the externalAccountBinding kid "
                        + printable(binding.kid()) + " is unknown, or its MAC does not verify");
            }
        } finally {
            ExternalAccountKeys.wipe(secret);
        }
        if (EabKey.REVOKED.equals(key.status)) {
            throw new AcmeProblem(ProblemType.UNAUTHORIZED,
                    "the external account key " + key.kid + " has been revoked");
        }
        if (key.expiresAt != null && !key.expiresAt.isAfter(clock.instant())) {
            throw new AcmeProblem(ProblemType.UNAUTHORIZED,
                    "the external account key " + key.kid + " expired at " + key.expiresAt);
        }
        return key;
    }

    /**
     * An operator deactivates an account (RFC 8555 §7.3.6 effects): final, and its pending
     * authorizations go with it.
     */
    @Transactional
    public OperatorQueries.AccountView deactivate(Operator operator, String accountId) {
        var account = accounts.byId(accountId).orElseThrow(() ->
                OperatorProblem.notFound("no account with id " + accountId));
        if (!"valid".equals(account.status)) {
            throw OperatorProblem.conflict("account " + accountId + " is already "
                    + account.status);
        }
        account.status = "deactivated";
        for (var authz : authorizations.pendingOfAccount(account.id)) {
            authz.status = "deactivated";
        }
        audit.record(operator.actor(), "account.deactivated", account.id, "by=operator");
        return OperatorQueries.accountView(account);
    }

    /** The account behind a {@code kid}, which must be valid to sign requests (§6.2). */
    @Transactional
    public Account authenticate(String accountId) {
        var account = accounts.byId(accountId).orElseThrow(() -> new AcmeProblem(
                ProblemType.ACCOUNT_DOES_NOT_EXIST, "no account at this kid"));
        if (!"valid".equals(account.status)) {
            throw new AcmeProblem(ProblemType.UNAUTHORIZED,
                    "account is " + account.status + " and can no longer sign requests");
        }
        return account;
    }

    /** Read-only lookup for the account's own URL. */
    @Transactional
    public Account get(String accountId) {
        return authenticate(accountId);
    }

    /**
     * RFC 8555 §7.3.2 and §7.3.6: updates contacts, or deactivates the account. Deactivation
     * is final and also deactivates the account's pending authorizations.
     */
    @Transactional
    public Account update(String accountId, List<String> contact, String status) {
        var account = authenticate(accountId);
        if (status != null) {
            if (!"deactivated".equals(status)) {
                throw new AcmeProblem(ProblemType.MALFORMED,
                        "an account's status can only be changed to deactivated");
            }
            account.status = "deactivated";
            for (var authz : authorizations.pendingOfAccount(account.id)) {
                authz.status = "deactivated";
            }
            audit.record("account:" + account.id, "account.deactivated", account.id, null);
            return account;
        }
        if (contact != null) {
            account.contact = toJson(checkedContact(contact));
            audit.record("account:" + account.id, "account.updated", account.id,
                    "contacts=" + contact.size());
        }
        return account;
    }

    /**
     * RFC 8555 §7.3.5: binds the account to a new key. A key that another account already
     * holds is a conflict whose {@code Location} names that account.
     */
    @Transactional
    public Account changeKey(String accountId, String newThumbprint, String newJwk,
            String conflictLocationPrefix) {
        var account = authenticate(accountId);
        var holder = accounts.byThumbprint(newThumbprint);
        if (holder.isPresent()) {
            throw new AcmeProblem(ProblemType.MALFORMED, 409,
                    "the new key is already in use by another account", List.of(),
                    conflictLocationPrefix + holder.get().id);
        }
        account.jwkThumbprint = newThumbprint;
        account.jwk = newJwk;
        accounts.flush();
        audit.record("account:" + account.id, "account.key-changed", account.id, null);
        return account;
    }

    /** The contact URLs stored on an account. */
    public static List<String> contactOf(Account account) {
        try {
            return List.of(JSON.readValue(account.contact, String[].class));
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }

    private static List<String> checkedContact(List<String> contact) {
        if (contact == null) {
            return List.of();
        }
        if (contact.size() > MAX_CONTACTS) {
            throw new AcmeProblem(ProblemType.INVALID_CONTACT,
                    "at most " + MAX_CONTACTS + " contacts are accepted");
        }
        for (var url : contact) {
            checkContact(url);
        }
        return List.copyOf(contact);
    }

    private static void checkContact(String url) {
        if (url == null) {
            throw new AcmeProblem(ProblemType.INVALID_CONTACT, "a contact is null");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new AcmeProblem(ProblemType.INVALID_CONTACT,
                    "contact is not a URI: " + printable(url));
        }
        if (uri.getScheme() == null || !"mailto".equals(uri.getScheme().toLowerCase(Locale.ROOT))) {
            throw new AcmeProblem(ProblemType.UNSUPPORTED_CONTACT,
                    "only mailto: contacts are supported: " + printable(url));
        }
        var address = uri.getSchemeSpecificPart();
        if (address == null || url.contains("?") || !MAILBOX.matcher(address).matches()) {
            throw new AcmeProblem(ProblemType.INVALID_CONTACT,
                    "contact must be mailto: with exactly one address and no header fields: "
                            + printable(url));
        }
    }

    private static String printable(String value) {
        var cut = value.length() > 100 ? value.substring(0, 100) + "..." : value;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static String toJson(List<String> contact) {
        try {
            return JSON.writeValueAsString(contact);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
