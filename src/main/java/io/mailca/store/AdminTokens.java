package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** Queries over {@link AdminToken}. Callers hold the transaction. */
@ApplicationScoped
public class AdminTokens {
    public Optional<AdminToken> byHash(String tokenSha256) {
        return AdminToken.<AdminToken>find("tokenSha256", tokenSha256).firstResultOptional();
    }

    public Optional<AdminToken> byId(String id) {
        return Optional.ofNullable(AdminToken.findById(id));
    }

    /** Newest first. */
    public Page<AdminToken> page(int offset, int limit) {
        return Page.of(AdminToken.<AdminToken>find("order by createdAt desc, id desc")
                .range(offset, offset + limit).list(), limit);
    }

    public void add(AdminToken token) {
        token.persist();
    }
}
