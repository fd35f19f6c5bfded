package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A TLSA record MailCA published at an owner name, current or withdrawn. */
@Entity
@Table(name = "dane_record")
public class DaneRecord extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String host;

    /** {@code _PORT._tcp.HOST}, lower case, without the trailing dot. */
    @Column(name = "owner_name")
    public String ownerName;

    /**
     * The service the owner name stands for, {@code imaps} (its port may be another than the
     * standard one); null in records from before services were recorded.
     */
    public String service;

    /** Presentation form, {@code "3 1 1 <lower-case hex>"}. */
    public String rdata;

    /** SHA-256 of the SubjectPublicKeyInfo the record stands for (leaf or CA key), hex. */
    @Column(name = "spki_sha256")
    public String spkiSha256;

    /**
     * The TTL its RRset carries: MailCA's setting, or the one others' records at the owner
     * keep (RFC 2181 §5.2); null in records from before TTLs were recorded.
     */
    public Integer ttl;

    @Column(name = "published_at")
    public Instant publishedAt;

    @Column(name = "withdrawn_at")
    public Instant withdrawnAt;
}
