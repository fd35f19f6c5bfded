package io.mailca.registration;

import io.mailca.store.AdminToken;
import io.mailca.store.AdminTokens;
import io.mailca.store.AuditLog;
import io.mailca.store.Ids;
import io.mailca.store.Page;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Bearer tokens of the admin API: 256 random bits, shown once, kept only as their SHA-256,
 * revocable, with an optional expiry. A bootstrap admin token may come from the environment
 * ({@code MAILCA_ADMIN_BOOTSTRAP_TOKEN}) or a file ({@code MAILCA_ADMIN_BOOTSTRAP_TOKEN_FILE})
 * for automation; it is never stored.
 */
@ApplicationScoped
public class TokenService {
    /** Tokens start with this, so that secret scanners and people recognise them. */
    public static final String PREFIX = "mca_";
    /** The bootstrap token must be at least this long to be honoured. */
    static final int MIN_BOOTSTRAP_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AdminTokens tokens;
    private final AuditLog audit;
    private final Clock clock;
    private final byte[] bootstrapHash;

    TokenService(AdminTokens tokens, AuditLog audit, Clock clock,
            @ConfigProperty(name = "mailca.admin.bootstrap-token") Optional<String> bootstrap,
            @ConfigProperty(name = "mailca.admin.bootstrap-token-file")
            Optional<String> bootstrapFile) {
        this.tokens = tokens;
        this.audit = audit;
        this.clock = clock;
        this.bootstrapHash = bootstrapToken(bootstrap, bootstrapFile)
                .map(TokenService::sha256).orElse(null);
    }

    /** A token as its creator sees it: the secret is here and nowhere else, once. */
    public record CreatedToken(TokenInfo info, String token) {
    }

    /** A token as listings show it, without secret. */
    public record TokenInfo(String id, String name, Role role, String createdBy,
            Instant createdAt, Instant expiresAt, Instant revokedAt) {
    }

    /**
     * Creates a token.
     *
     * @param validFor how long it is valid, or null for no expiry
     */
    @Transactional
    public CreatedToken create(Operator creator, Role role, String name, Duration validFor) {
        if (name == null || name.isBlank() || name.length() > 200) {
            throw OperatorProblem.badRequest("a token needs a name of 1 to 200 characters");
        }
        if (validFor != null && (validFor.isNegative() || validFor.isZero())) {
            throw OperatorProblem.badRequest("a token's validity must be positive");
        }
        var bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        var secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);

        var token = new AdminToken();
        token.id = Ids.random();
        token.tokenSha256 = HexFormat.of().formatHex(sha256(secret));
        token.name = name;
        token.role = role.wireName();
        token.createdBy = creator.actor();
        token.createdAt = clock.instant();
        token.expiresAt = validFor == null ? null : token.createdAt.plus(validFor);
        tokens.add(token);

        audit.record(creator.actor(), "token.created", "token:" + token.id,
                "role=" + token.role + " name=" + name
                        + (token.expiresAt == null ? "" : " expires=" + token.expiresAt));
        return new CreatedToken(infoOf(token), secret);
    }

    /** Revokes a token; revoking a revoked one is a conflict. */
    @Transactional
    public TokenInfo revoke(Operator revoker, String id) {
        var token = tokens.byId(id).orElseThrow(() ->
                OperatorProblem.notFound("no token with id " + id));
        if (token.revokedAt != null) {
            throw OperatorProblem.conflict("token " + id + " is already revoked");
        }
        token.revokedAt = clock.instant();
        audit.record(revoker.actor(), "token.revoked", "token:" + id, "name=" + token.name);
        return infoOf(token);
    }

    @Transactional
    public Page<TokenInfo> list(int offset, int limit) {
        var page = tokens.page(offset, limit);
        return new Page<>(page.items().stream().map(TokenService::infoOf).toList(), page.more());
    }

    /** The operator a presented token stands for, if it is known, unrevoked and unexpired. */
    @Transactional
    public Optional<Operator> authenticate(String presented) {
        if (presented == null || presented.isEmpty() || presented.length() > 200) {
            return Optional.empty();
        }
        var hash = sha256(presented);
        if (bootstrapHash != null && MessageDigest.isEqual(hash, bootstrapHash)) {
            return Optional.of(new Operator("bootstrap-token", Role.ADMIN));
        }
        // The lookup is by hash, so its timing tells nothing about the token.
        var now = clock.instant();
        return tokens.byHash(HexFormat.of().formatHex(hash))
                .filter(t -> t.revokedAt == null)
                .filter(t -> t.expiresAt == null || t.expiresAt.isAfter(now))
                .flatMap(t -> Role.ofWireName(t.role)
                        .map(role -> new Operator("token:" + t.id, role)));
    }

    private static TokenInfo infoOf(AdminToken token) {
        return new TokenInfo(token.id, token.name, Role.ofWireName(token.role).orElseThrow(),
                token.createdBy, token.createdAt, token.expiresAt, token.revokedAt);
    }

    private static Optional<String> bootstrapToken(Optional<String> value,
            Optional<String> file) {
        var token = value.filter(v -> !v.isBlank()).or(() -> file.filter(f -> !f.isBlank())
                .map(TokenService::readFile));
        if (token.isPresent() && token.get().length() < MIN_BOOTSTRAP_LENGTH) {
            throw new IllegalStateException("the admin bootstrap token must have at least "
                    + MIN_BOOTSTRAP_LENGTH + " characters");
        }
        return token;
    }

    private static String readFile(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the admin bootstrap token file "
                    + file, e);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
