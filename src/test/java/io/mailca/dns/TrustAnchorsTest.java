package io.mailca.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * The built-in root anchors are the DS of the root KSKs that IANA publishes: each digest is
 * computed here from the DNSKEY itself (RFC 4034 §5.1.4), and the key tags from the key data
 * (RFC 4034 Appendix B).
 */
class TrustAnchorsTest {
    /** KSK-2017 and KSK-2024 as DNSKEY, from IANA's root-anchors.xml. */
    static final String ROOT_KEYS = ""
            + ". IN DNSKEY 257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4Rg"
            + "WOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WG"
            + "e2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG"
            + "+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws95"
            + "55KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=\n"
            + ". IN DNSKEY 257 3 8 AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidltpky"
            + "GwCJNnOAlFNKF2jBosZBU5eeHspaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwCzVBApE"
            + "SjbUdpWWmEnhathWu1jo+siFUiRAAxm9qyJNg/wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7CPqpdVwuM"
            + "oTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBevYtxPvYLw"
            + "4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc=\n";

    @Test
    void rootAnchorsAreTheDsOfIanasRootKeys() throws Exception {
        var anchors = parse(TrustAnchors.ROOT);
        var keys = parse(ROOT_KEYS);

        assertThat(keys).extracting(k -> ((DNSKEYRecord) k).getFootprint())
                .containsExactly(20326, 38696);
        var expected = keys.stream().map(k -> new DSRecord(Name.root, DClass.IN, 0,
                DNSSEC.Digest.SHA256, (DNSKEYRecord) k).rdataToString()).toList();
        assertThat(anchors).allSatisfy(a -> assertThat(a).isInstanceOf(DSRecord.class))
                .extracting(Record::getName).containsOnly(Name.root);
        assertThat(anchors).extracting(Record::rdataToString).containsExactlyElementsOf(expected);
    }

    static List<Record> parse(String text) throws Exception {
        var result = new ArrayList<Record>();
        try (var master = new Master(new ByteArrayInputStream(text.getBytes(
                StandardCharsets.US_ASCII)), Name.root, 0)) {
            Record r;
            while ((r = master.nextRecord()) != null) {
                result.add(r);
            }
        }
        return result;
    }
}
