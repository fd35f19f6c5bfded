package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** An issued, not yet used anti-replay nonce (RFC 8555 §6.5). */
@Entity
@Table(name = "nonce")
public class Nonce extends PanacheEntityBase {
    @Id
    @Column(name = "nonce_value")
    public String value;

    @Column(name = "expires_at")
    public Instant expiresAt;
}
