package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * An External Account Binding key (RFC 8555 §7.3.4): a key identifier and the MAC key an
 * operator handed out. It binds at most one ACME account.
 */
@Entity
@Table(name = "eab_key")
public class EabKey extends PanacheEntityBase {
    public static final String VALID = "valid";
    public static final String REVOKED = "revoked";

    @Id
    public String kid;

    /** The MAC key, base64url without padding. Needed to verify bindings. */
    @Column(name = "hmac_key")
    public String hmacKey;

    public String label;

    /** Comma-separated names and patterns copied to the account it binds, or null. */
    @Column(name = "name_scope")
    public String nameScope;

    public String status;

    /** The account this key bound, or null while unused. */
    @Column(name = "account_id")
    public String accountId;

    @Column(name = "created_by")
    public String createdBy;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "bound_at")
    public Instant boundAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;
}
