package io.mailca.registration;

import io.mailca.store.AuditLog;
import io.mailca.store.EabKey;
import io.mailca.store.EabKeys;
import io.mailca.store.Ids;
import io.mailca.store.Page;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The keys of External Account Binding (RFC 8555 §7.3.4) that operators hand out: a key
 * identifier and a 256-bit MAC key, base64url without padding, shown once. A key binds one
 * account; its optional name scope becomes that account's scope.
 */
@ApplicationScoped
public class ExternalAccountKeys {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A host name or pattern: labels of letters, digits, hyphens and {@code *}. */
    private static final Pattern SCOPE_ENTRY =
            Pattern.compile("[a-z0-9*]([a-z0-9*-]{0,61}[a-z0-9*])?(\\.[a-z0-9*]([a-z0-9*-]{0,61}"
                    + "[a-z0-9*])?)*");
    private static final int MAX_SCOPE_ENTRIES = 100;

    private final EabKeys keys;
    private final AuditLog audit;
    private final Clock clock;

    ExternalAccountKeys(EabKeys keys, AuditLog audit, Clock clock) {
        this.keys = keys;
        this.audit = audit;
        this.clock = clock;
    }

    /** A key as listings show it, without its MAC key. */
    public record KeyInfo(String kid, String label, List<String> nameScope, String status,
            String accountId, String createdBy, Instant createdAt, Instant expiresAt,
            Instant boundAt, Instant revokedAt) {
    }

    /** A new key with its MAC key, which is shown here and never again. */
    public record CreatedKey(KeyInfo info, String hmacKey) {
    }

    /**
     * Creates a key.
     *
     * @param nameScope names or patterns the bound account may order, or null for no narrowing
     * @param expiresAt after which the key binds nothing, or null
     */
    @Transactional
    public CreatedKey create(Operator creator, String label, List<String> nameScope,
            Instant expiresAt) {
        if (label != null && label.length() > 200) {
            throw OperatorProblem.badRequest("label must have at most 200 characters");
        }
        var now = clock.instant();
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw OperatorProblem.badRequest("expires must lie in the future");
        }
        var scope = checkedScope(nameScope);
        var secret = new byte[32];
        RANDOM.nextBytes(secret);

        var key = new EabKey();
        key.kid = Ids.random();
        key.hmacKey = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        key.label = label;
        key.nameScope = scope == null ? null : String.join(",", scope);
        key.status = EabKey.VALID;
        key.createdBy = creator.actor();
        key.createdAt = now;
        key.expiresAt = expiresAt;
        keys.add(key);

        audit.record(creator.actor(), "eab-key.created", "eab:" + key.kid,
                "scope=" + key.nameScope + (expiresAt == null ? "" : " expires=" + expiresAt));
        return new CreatedKey(infoOf(key), key.hmacKey);
    }

    /** Revokes a key: it binds no new account. An account it already bound stays. */
    @Transactional
    public KeyInfo revoke(Operator revoker, String kid) {
        var key = keys.byKidForUpdate(kid).orElseThrow(() ->
                OperatorProblem.notFound("no EAB key with kid " + kid));
        if (EabKey.REVOKED.equals(key.status)) {
            throw OperatorProblem.conflict("EAB key " + kid + " is already revoked");
        }
        key.status = EabKey.REVOKED;
        key.revokedAt = clock.instant();
        audit.record(revoker.actor(), "eab-key.revoked", "eab:" + kid, null);
        return infoOf(key);
    }

    @Transactional
    public Page<KeyInfo> list(int offset, int limit) {
        var page = keys.page(offset, limit);
        return new Page<>(page.items().stream().map(ExternalAccountKeys::infoOf).toList(),
                page.more());
    }

    static KeyInfo infoOf(EabKey key) {
        return new KeyInfo(key.kid, key.label, key.nameScope == null ? null
                : List.of(key.nameScope.split(",")), key.status, key.accountId, key.createdBy,
                key.createdAt, key.expiresAt, key.boundAt, key.revokedAt);
    }

    private static List<String> checkedScope(List<String> scope) {
        if (scope == null) {
            return null;
        }
        if (scope.isEmpty() || scope.size() > MAX_SCOPE_ENTRIES) {
            throw OperatorProblem.badRequest("nameScope must list 1 to " + MAX_SCOPE_ENTRIES
                    + " names or patterns (omit it for no narrowing)");
        }
        return scope.stream().map(entry -> {
            var name = entry == null ? "" : entry.trim().toLowerCase(Locale.ROOT);
            if (name.length() > 253 || !SCOPE_ENTRY.matcher(name).matches()) {
                throw OperatorProblem.badRequest("nameScope entry '" + printable(entry)
                        + "' is not a host name or pattern (letters, digits, '-', '.', '*')");
            }
            return name;
        }).distinct().toList();
    }

    private static String printable(String value) {
        if (value == null) {
            return "null";
        }
        var cut = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** The MAC key's bytes. */
    static byte[] macKeyOf(EabKey key) {
        return Base64.getUrlDecoder().decode(key.hmacKey);
    }

    static void wipe(byte[] secret) {
        Arrays.fill(secret, (byte) 0);
    }
}
