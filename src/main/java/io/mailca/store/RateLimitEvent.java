package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** One counted event of a rate limit: a new order of an account, a certificate of a domain. */
@Entity
@Table(name = "rate_limit_event")
public class RateLimitEvent extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "limit_name")
    public String limitName;

    /** What is limited: an account id, a mail domain. */
    public String subject;

    @Column(name = "occurred_at")
    public Instant occurredAt;
}
