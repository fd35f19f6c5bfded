package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Queries over {@link Order}. Callers hold the transaction. */
@ApplicationScoped
public class Orders {
    public Optional<Order> byId(String id) {
        return Optional.ofNullable(Order.findById(id));
    }

    /** Reads and locks an order, so that two finalize requests cannot both sign. */
    public Optional<Order> byIdForUpdate(String id) {
        if (!RowLocks.lock("acme_order", id)) {
            return Optional.empty();
        }
        var order = Order.<Order>findById(id);
        if (order != null) {
            // Read again under the lock: the session may hold a copy from before it.
            Order.getEntityManager().refresh(order);
        }
        return Optional.ofNullable(order);
    }

    public void add(Order order) {
        order.persist();
    }

    /** One page of an account's orders that are not invalid, oldest first. */
    public List<Order> pageOfAccount(String accountId, int offset, int limit) {
        return Order.<Order>find(
                "accountId = ?1 and status <> 'invalid' order by createdAt, id", accountId)
                .range(offset, offset + limit - 1)
                .list();
    }

    /** Orders newest first, narrowed by account and status; null means any. */
    public Page<Order> page(String accountId, String status, int offset, int limit) {
        var where = new ArrayList<String>();
        var params = new ArrayList<Object>();
        if (accountId != null) {
            params.add(accountId);
            where.add("accountId = ?" + params.size());
        }
        if (status != null) {
            params.add(status);
            where.add("status = ?" + params.size());
        }
        var query = (where.isEmpty() ? "" : String.join(" and ", where))
                + " order by createdAt desc, id desc";
        return Page.of(Order.<Order>find(query, params.toArray())
                .range(offset, offset + limit).list(), limit);
    }

    /** Orders in a given status that use an authorization. */
    public List<Order> usingAuthorization(String authorizationId, String status) {
        return Order.<Order>find(
                "select o from Order o join o.authorizationIds a where a = ?1 and o.status = ?2",
                authorizationId, status).list();
    }

    /** An order that is not invalid and replaces the certificate (RFC 9773 §5). */
    public Optional<Order> replacing(String certificateId) {
        return Order.<Order>find("replacesCertificateId = ?1 and status <> 'invalid'",
                certificateId).firstResultOptional();
    }
}
