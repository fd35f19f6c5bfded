package io.mailca.dns;

import java.util.List;

import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;

/**
 * The answer to one {@link DnsClient#lookup(String, int)}: the records of the asked type at the
 * end of any CNAME chain, the response code, and whether every response on the way carried the AD
 * bit (RFC 4035 §3.2.3, RFC 6840 §5.7), that is, whether the configured resolver validated it
 * with DNSSEC. {@code authenticated} is only as trustworthy as the path to the resolver: MailCA
 * trusts it for a resolver on the same host or a network it controls.
 *
 * @param name the name asked for, absolute, in lower case
 * @param type the record type asked for ({@link org.xbill.DNS.Type} constant)
 * @param rcode the RCODE of the last response: {@link Rcode#NOERROR} or {@link Rcode#NXDOMAIN}
 * @param authenticated true when every response in the chain had the AD bit set
 * @param records records of {@code type} at the end of the chain; empty for NXDOMAIN or NODATA
 * @param cnames the CNAME targets followed, in order; empty when there was no CNAME
 */
public record DnsAnswer(String name, int type, int rcode, boolean authenticated,
        List<Record> records, List<String> cnames) {

    public DnsAnswer {
        records = List.copyOf(records);
        cnames = List.copyOf(cnames);
    }

    /** True when the name (or the end of its CNAME chain) does not exist. */
    public boolean nxdomain() {
        return rcode == Rcode.NXDOMAIN;
    }

    /** The records that are of the given dnsjava class, for typed access to their fields. */
    public <T extends Record> List<T> records(Class<T> recordClass) {
        return records.stream().filter(recordClass::isInstance).map(recordClass::cast).toList();
    }
}
