package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A certificate of the corporate CA: the root or an issuing intermediate. */
@Entity
@Table(name = "authority")
public class Authority extends PanacheEntityBase {
    public static final String ROOT = "ROOT";
    public static final String ISSUING = "ISSUING";

    @Id
    public String id;

    @Column(name = "ca_role")
    public String role;

    @Column(name = "certificate_pem")
    public String certificatePem;

    /** {@code PKCS12} or {@code PKCS11}. */
    @Column(name = "key_storage")
    public String keyStorage;

    /** The keystore alias or token label of the private key. */
    @Column(name = "key_ref")
    public String keyRef;

    @Column(name = "spki_sha256")
    public String spkiSha256;

    public boolean active;

    @Column(name = "created_at")
    public Instant createdAt;

    /** When the parent CA revoked this certificate; null while it is not revoked. */
    @Column(name = "revoked_at")
    public Instant revokedAt;

    /** RFC 5280 §5.3.1 CRLReason code of the revocation. */
    @Column(name = "revocation_reason")
    public Integer revocationReason;
}
