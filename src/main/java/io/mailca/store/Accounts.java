package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Locale;
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

    /**
     * Accounts newest first, narrowed by a contact substring (case-insensitive) and a status;
     * null means any.
     */
    public Page<Account> page(String contactContains, String status, int offset, int limit) {
        var where = new ArrayList<String>();
        var params = new ArrayList<Object>();
        if (contactContains != null) {
            params.add("%" + Like.escape(contactContains.toLowerCase(Locale.ROOT)) + "%");
            where.add("lower(contact) like ?" + params.size() + " escape '\\'");
        }
        if (status != null) {
            params.add(status);
            where.add("status = ?" + params.size());
        }
        var query = (where.isEmpty() ? "" : String.join(" and ", where))
                + " order by createdAt desc, id desc";
        return Page.of(Account.<Account>find(query, params.toArray())
                .range(offset, offset + limit).list(), limit);
    }

    public void add(Account account) {
        account.persist();
    }

    /** Forces pending inserts out, so a unique-key race surfaces here, not at commit. */
    public void flush() {
        Account.getEntityManager().flush();
    }
}
