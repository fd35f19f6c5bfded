package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** The last verification of one TLSA owner name. */
@Entity
@Table(name = "dane_status")
public class DaneStatus extends PanacheEntityBase {
    @Id
    @Column(name = "owner_name")
    public String ownerName;

    public String host;

    /** True when the validating resolver set the AD bit on the TLSA answer. */
    public boolean secure;

    /** What each authoritative server served, one line per server. */
    public String served;

    public String detail;

    @Column(name = "checked_at")
    public Instant checkedAt;
}
