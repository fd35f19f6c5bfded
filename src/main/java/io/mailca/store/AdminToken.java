package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A bearer token of the admin API. The token itself is never stored, only its SHA-256. */
@Entity
@Table(name = "admin_token")
public class AdminToken extends PanacheEntityBase {
    @Id
    public String id;

    /** SHA-256 of the token, lower-case hex. */
    @Column(name = "token_sha256")
    public String tokenSha256;

    /** What the token is for, as its creator named it. */
    public String name;

    /** {@code viewer}, {@code operator} or {@code admin}. */
    @Column(name = "token_role")
    public String role;

    @Column(name = "created_by")
    public String createdBy;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;
}
