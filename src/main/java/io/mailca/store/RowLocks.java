package io.mailca.store;

import io.quarkus.hibernate.orm.panache.Panache;

/**
 * Row locks in plain {@code SELECT ... FOR UPDATE}, which PostgreSQL and the embedded H2 store
 * both understand (Hibernate's PostgreSQL dialect would write {@code FOR NO KEY UPDATE}, which
 * H2 refuses).
 */
final class RowLocks {
    private RowLocks() {
    }

    /** Locks one row by primary key until the transaction ends; false when there is none. */
    static boolean lock(String table, Object id) {
        var rows = Panache.getEntityManager()
                .createNativeQuery("select id from " + table + " where id = ?1 for update")
                .setParameter(1, id)
                .getResultList();
        return !rows.isEmpty();
    }
}
