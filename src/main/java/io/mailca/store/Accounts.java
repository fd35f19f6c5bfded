package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** Queries over {@link Account}. Callers hold the transaction. */
@ApplicationScoped
public class Accounts {
    public Optional<Account> byId(String id) {
        return Optional.ofNullable(Account.findById(id));
    }

    public Optional<Account> byThumbprint(String thumbprint) {
        return Account.<Account>find("jwkThumbprint", thumbprint).firstResultOptional();
    }

    public void add(Account account) {
        account.persist();
    }

    /** Forces pending inserts out, so a unique-key race surfaces here, not at commit. */
    public void flush() {
        Account.getEntityManager().flush();
    }
}
