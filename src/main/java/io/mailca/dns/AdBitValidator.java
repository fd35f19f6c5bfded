package io.mailca.dns;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;

/**
 * Trusts the AD bit of an external validating resolver (RFC 4035 §3.2.3): AD in the query asks
 * for it without DO (RFC 6840 §5.7). Only as trustworthy as that resolver and the path to it.
 */
final class AdBitValidator implements DnssecValidator {
    private final String address;
    private final Resolver resolver;
    private final Duration timeout;

    AdBitValidator(String address, Duration timeout) {
        this.address = address.trim();
        this.resolver = DnsClient.resolverAt(this.address);
        this.resolver.setTimeout(timeout);
        this.timeout = timeout;
    }

    @Override
    public DnssecAnswer validate(String name, int type) throws DnsException {
        var owner = DnsClient.parse(name, type);
        var shown = DnsClient.display(owner);
        var query = Message.newQuery(Record.newRecord(owner, type, DClass.IN));
        query.getHeader().setFlag(Flags.AD);
        var response = DnsClient.await(resolver.sendAsync(query).toCompletableFuture(), timeout,
                shown, type);
        var rcode = response.getRcode();
        if (rcode == Rcode.SERVFAIL) {
            // A validating resolver answers SERVFAIL for bogus data, and for servers it cannot
            // reach: from outside, the two look alike.
            return new DnssecAnswer(shown, type, SecurityStatus.INDETERMINATE, "the validating"
                    + " resolver answered SERVFAIL (bogus data or unreachable servers)",
                    List.of());
        }
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            return new DnssecAnswer(shown, type, SecurityStatus.INDETERMINATE,
                    "the validating resolver answered " + Rcode.string(rcode), List.of());
        }
        var records = answerRecords(response, owner, type);
        if (response.getHeader().getFlag(Flags.AD)) {
            return new DnssecAnswer(shown, type, SecurityStatus.SECURE, "", records);
        }
        return new DnssecAnswer(shown, type, SecurityStatus.INSECURE,
                "the validating resolver did not set the AD bit", records);
    }

    @Override
    public String describe() {
        return "the AD bit of the validating resolver " + address;
    }

    /** The records of {@code type} at {@code owner}, or at the end of a CNAME chain in answer. */
    static List<Record> answerRecords(Message response, Name owner, int type) {
        var answers = response.getSection(Section.ANSWER);
        var names = new ArrayList<Name>();
        names.add(owner);
        for (var i = 0; i <= DnsClient.MAX_CNAMES; i++) {
            var here = names.get(names.size() - 1);
            var next = answers.stream()
                    .filter(r -> r instanceof CNAMERecord && r.getName().equals(here))
                    .map(r -> ((CNAMERecord) r).getTarget()).findFirst();
            if (next.isEmpty() || names.contains(next.get())) {
                break;
            }
            names.add(next.get());
        }
        return answers.stream().filter(r -> r.getType() == type && names.contains(r.getName()))
                .toList();
    }
}
