package io.mailca.dane;

import java.util.List;
import java.util.Set;

/**
 * Puts MailCA's TLSA records at one owner name into DNS. Every implementation replaces exactly
 * the records MailCA published before and leaves every other record at the owner alone.
 */
public interface TlsaPublisher {

    /**
     * What a publication changed.
     *
     * @param sent false when DNS already held the desired records and nothing was sent
     * @param added records added
     * @param removed MailCA's earlier records removed
     * @param ttl the TTL the RRset carries
     */
    record Change(boolean sent, List<TlsaRecord> added, List<TlsaRecord> removed, int ttl) {
    }

    /**
     * Brings MailCA's records at {@code owner} to {@code desired}.
     *
     * @param owner absolute owner name without trailing dot, {@code _25._tcp.mx1.example.com}
     * @param desired the records MailCA wants there
     * @param owned the records MailCA published there before (and may therefore delete)
     * @param ttl the TTL MailCA wants for the RRset
     */
    Change publish(String owner, List<TlsaRecord> desired, Set<TlsaRecord> owned, int ttl)
            throws PublishException;
}
