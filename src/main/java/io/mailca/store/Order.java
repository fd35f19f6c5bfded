package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** An ACME order (RFC 8555 §7.1.3). */
@Entity
@Table(name = "acme_order")
public class Order extends PanacheEntityBase {
    @Id
    public String id;

    @Column(name = "account_id")
    public String accountId;

    /** {@code pending}, {@code ready}, {@code processing}, {@code valid} or {@code invalid}. */
    public String status;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "not_before")
    public Instant notBefore;

    @Column(name = "not_after")
    public Instant notAfter;

    /** Identifiers as {@code type:value} lines, in the order the client gave them. */
    public String identifiers;

    /** The problem document (JSON) that made the order invalid. */
    public String error;

    @Column(name = "certificate_id")
    public String certificateId;

    @Column(name = "created_at")
    public Instant createdAt;

    /** The certificate profile asked for (draft-aaron-acme-profiles); null means default. */
    public String profile;

    /** The certID of the certificate this order replaces (RFC 9773 §5), as sent. */
    public String replaces;

    @Column(name = "replaces_certificate_id")
    public String replacesCertificateId;

    @ElementCollection(fetch = FetchType.EAGER)
    @CollectionTable(name = "order_authz", joinColumns = @JoinColumn(name = "order_id"))
    @Column(name = "authz_id")
    public List<String> authorizationIds = new ArrayList<>();
}
