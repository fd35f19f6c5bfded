package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A leaf certificate MailCA signed. Never deleted: revocation and expiry only change status. */
@Entity
@Table(name = "certificate")
public class IssuedCertificate extends PanacheEntityBase {
    public static final String VALID = "valid";
    public static final String REVOKED = "revoked";

    @Id
    public String id;

    /** Serial number, lower-case hex without leading zeros. */
    @Column(name = "serial_hex")
    public String serialHex;

    @Column(name = "account_id")
    public String accountId;

    @Column(name = "order_id")
    public String orderId;

    @Column(name = "issuer_id")
    public String issuerId;

    /** The leaf alone, PEM. */
    public String pem;

    /** The dNSNames, comma-separated, lower case. */
    public String names;

    @Column(name = "spki_sha256")
    public String spkiSha256;

    @Column(name = "not_before")
    public Instant notBefore;

    @Column(name = "not_after")
    public Instant notAfter;

    public String status;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    /** RFC 5280 §5.3.1 CRLReason code. */
    @Column(name = "revocation_reason")
    public Integer revocationReason;

    @Column(name = "created_at")
    public Instant createdAt;

    /** The certificate profile it was issued under. */
    public String profile;

    /** A renewal window an operator moved earlier (RFC 9773 §4.2); null: the default. */
    @Column(name = "renewal_window_start")
    public Instant renewalWindowStart;

    @Column(name = "renewal_window_end")
    public Instant renewalWindowEnd;
}
