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
        return lock(table, "id", id);
    }

    /** Locks one row by a key column until the transaction ends; false when there is none. */
    static boolean lock(String table, String column, Object id) {
        var rows = Panache.getEntityManager()
                .createNativeQuery("select " + column + " from " + table + " where " + column
                        + " = ?1 for update")
                .setParameter(1, id)
                .getResultList();
        return !rows.isEmpty();
    }
}
