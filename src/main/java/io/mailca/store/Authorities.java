package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import java.util.List;
import java.util.Optional;

/** The CA's own certificates, and the lock that makes creating them happen once. */
@ApplicationScoped
public class Authorities {
    /**
     * Takes the database-wide CA creation lock for the current transaction. A second process
     * starting at the same moment waits here, then finds the CA the first one created.
     */
    public void lockForCreation() {
        RowLocks.lock("ca_lock", 1);
    }

    public List<Authority> all() {
        return Authority.listAll();
    }

    public Optional<Authority> byId(String id) {
        return Optional.ofNullable(Authority.findById(id));
    }

    public Optional<Authority> root() {
        return Authority.<Authority>find("role", Authority.ROOT).firstResultOptional();
    }

    public Optional<Authority> activeIssuing() {
        return Authority.<Authority>find("role = ?1 and active = true order by createdAt desc",
                Authority.ISSUING).firstResultOptional();
    }

    public void add(Authority authority) {
        authority.persist();
    }

    /** The single row of {@code ca_lock}. */
    @Entity
    @Table(name = "ca_lock")
    public static class CaLock extends PanacheEntityBase {
        @Id
        public Integer id;
    }
}
