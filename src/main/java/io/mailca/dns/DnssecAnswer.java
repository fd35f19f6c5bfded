package io.mailca.dns;

import java.util.List;

import org.xbill.DNS.Record;

/**
 * An answer and its DNSSEC security status, from {@link DnssecValidator#validate(String, int)}.
 *
 * @param name the name asked for, absolute, in lower case
 * @param type the record type asked for ({@link org.xbill.DNS.Type} constant)
 * @param security what the validator concluded (RFC 4035 §4.3)
 * @param reason why, in the validator's words, for the log; empty when it gave none
 * @param records the records of {@code type} at {@code name} in the answer; empty for NXDOMAIN,
 *     NODATA and answers that failed validation
 */
public record DnssecAnswer(String name, int type, SecurityStatus security, String reason,
        List<Record> records) {

    public DnssecAnswer {
        records = List.copyOf(records);
        reason = reason == null ? "" : reason;
    }

    /** True when the answer is {@link SecurityStatus#SECURE}. */
    public boolean secure() {
        return security == SecurityStatus.SECURE;
    }
}
