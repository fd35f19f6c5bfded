package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A queued TLSA publication for one mail host (the outbox of DESIGN.md, step 4). */
@Entity
@Table(name = "dane_job")
public class DaneJob extends PanacheEntityBase {
    public static final String PENDING = "pending";
    public static final String DONE = "done";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String host;

    /** Why the job was queued: issued, revoked, reconcile, probe. */
    public String cause;

    public String state;

    public int attempts;

    @Column(name = "run_at")
    public Instant runAt;

    @Column(name = "leased_until")
    public Instant leasedUntil;

    /** The owner token of the current lease: a fresh random id written by each claim. */
    @Column(name = "claim_id")
    public String claimId;

    @Column(name = "last_error")
    public String lastError;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "finished_at")
    public Instant finishedAt;
}
