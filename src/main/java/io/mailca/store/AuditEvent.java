package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** One append-only row of the audit log, a link of its hash chain. */
@Entity
@Table(name = "audit_event")
public class AuditEvent extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "occurred_at")
    public Instant occurredAt;

    public String actor;

    public String action;

    public String target;

    public String details;

    /** {@link #rowHash} of the event before this one in the chain. */
    @Column(name = "prev_hash")
    public String prevHash;

    /** SHA-256 over {@link #prevHash} and this row's fields: see {@link AuditLog#hashOf}. */
    @Column(name = "row_hash")
    public String rowHash;
}
