package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** An ACME account (RFC 8555 §7.1.2), identified by the thumbprint of its key. */
@Entity
@Table(name = "account")
public class Account extends PanacheEntityBase {
    @Id
    public String id;

    /** RFC 7638 SHA-256 thumbprint of the account key, base64url. */
    @Column(name = "jwk_thumbprint")
    public String jwkThumbprint;

    /** The account's public key as a JSON Web Key. */
    public String jwk;

    /** {@code valid}, {@code deactivated} or {@code revoked}. */
    public String status;

    /** JSON array of contact URLs. */
    public String contact;

    @Column(name = "terms_agreed")
    public boolean termsAgreed;

    @Column(name = "eab_key_id")
    public String eabKeyId;

    /**
     * The names this account may get certified on top of the global policy: comma-separated
     * host names and globs, copied from its External Account Binding key; null for no limit.
     */
    @Column(name = "name_scope")
    public String nameScope;

    @Column(name = "created_at")
    public Instant createdAt;
}
