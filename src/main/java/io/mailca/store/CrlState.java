package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * The latest CRL of one CA (RFC 5280 §5) and its CRL number, shared by every replica: the
 * number is incremented under a row lock, never kept in memory.
 */
@Entity
@Table(name = "crl_state")
public class CrlState extends PanacheEntityBase {
    /** The authority id of the CA that signs this CRL. */
    @Id
    public String id;

    /** The cRLNumber of {@link #crlDer} (RFC 5280 §5.2.3); 0 before the first CRL. */
    @Column(name = "crl_number")
    public long crlNumber;

    /** True when a revocation happened after {@link #crlDer} was signed. */
    public boolean stale;

    @Column(name = "this_update")
    public Instant thisUpdate;

    @Column(name = "next_update")
    public Instant nextUpdate;

    @Column(name = "crl_der")
    public byte[] crlDer;
}
