package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** Queries over {@link EabKey}. Callers hold the transaction. */
@ApplicationScoped
public class EabKeys {
    public Optional<EabKey> byKid(String kid) {
        return Optional.ofNullable(EabKey.findById(kid));
    }

    /**
     * Reads and locks a key, so that two accounts registering at once with one key cannot both
     * bind it.
     */
    public Optional<EabKey> byKidForUpdate(String kid) {
        if (!RowLocks.lock("eab_key", "kid", kid)) {
            return Optional.empty();
        }
        var key = EabKey.<EabKey>findById(kid);
        if (key != null) {
            EabKey.getEntityManager().refresh(key);
        }
        return Optional.ofNullable(key);
    }

    /** Newest first. */
    public Page<EabKey> page(int offset, int limit) {
        return Page.of(EabKey.<EabKey>find("order by createdAt desc, kid desc")
                .range(offset, offset + limit).list(), limit);
    }

    public void add(EabKey key) {
        key.persist();
    }
}
