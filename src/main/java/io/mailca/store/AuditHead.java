package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The single row naming the newest event of the audit chain and its hash. */
@Entity
@Table(name = "audit_head")
class AuditHead extends PanacheEntityBase {
    @Id
    public Integer id;

    @Column(name = "last_event_id")
    public Long lastEventId;

    @Column(name = "last_hash")
    public String lastHash;
}
