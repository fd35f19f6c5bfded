package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** One challenge of an authorization (RFC 8555 §7.1.5, §8). */
@Entity
@Table(name = "challenge")
public class Challenge extends PanacheEntityBase {
    @Id
    public String id;

    @Column(name = "authz_id")
    public String authorizationId;

    /** {@code http-01}, {@code dns-01} or {@code tls-alpn-01}. */
    @Column(name = "challenge_type")
    public String type;

    public String token;

    /** {@code pending}, {@code processing}, {@code valid} or {@code invalid}. */
    public String status;

    @Column(name = "validated_at")
    public Instant validatedAt;

    /** When a validator took the challenge; a stale value means that worker died. */
    @Column(name = "started_at")
    public Instant startedAt;

    /** The problem document (JSON) of a failed validation. */
    public String error;
}
