package io.mailca.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** What a mail host presented on one port when MailCA's probe connected. */
@Entity
@Table(name = "dane_probe")
public class DaneProbe extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String host;

    public int port;

    /** The address connected to, {@code 2001:db8::25}; null when none was resolved, or before. */
    public String address;

    /** The service probed on the port, {@code imaps}; null in probes from before. */
    public String service;

    /** SHA-256 of the presented leaf's SubjectPublicKeyInfo, hex; null when none was read. */
    @Column(name = "spki_sha256")
    public String spkiSha256;

    @Column(name = "matches_tlsa")
    public boolean matchesTlsa;

    @Column(name = "chains_to_root")
    public boolean chainsToRoot;

    /** Why this observation needs an operator, or null. */
    public String alert;

    @Column(name = "seen_at")
    public Instant seenAt;
}
