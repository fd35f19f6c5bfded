package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** An ACME authorization of one identifier for one account (RFC 8555 §7.1.4). */
@Entity
@Table(name = "authz")
public class Authorization extends PanacheEntityBase {
    @Id
    public String id;

    @Column(name = "account_id")
    public String accountId;

    @Column(name = "identifier_type")
    public String identifierType;

    /** The identifier without any wildcard prefix, lower case. */
    @Column(name = "identifier_value")
    public String identifierValue;

    public boolean wildcard;

    /**
     * {@code pending}, {@code valid}, {@code invalid}, {@code deactivated}, {@code expired} or
     * {@code revoked}.
     */
    public String status;

    @Column(name = "expires_at")
    public Instant expiresAt;

    /** When CAA (RFC 8659) last allowed issuance for this name; null when never checked. */
    @Column(name = "caa_checked_at")
    public Instant caaCheckedAt;

    @Column(name = "created_at")
    public Instant createdAt;
}
