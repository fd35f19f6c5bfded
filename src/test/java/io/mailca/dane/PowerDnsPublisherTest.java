package io.mailca.dane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mailca.testsupport.KnotServer;
import io.mailca.testsupport.PowerDnsServer;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Publication through the HTTP API of a real, DNSSEC-signing PowerDNS server. */
class PowerDnsPublisherTest {
    static final String ZONE = "example.test";
    static final String OWNER = "_25._tcp.mx1.example.test";
    static final String THEIRS = "3 1 1 " + "ab".repeat(32);
    static final TlsaRecord LEAF_A = TlsaRecord.parse("3 1 1 " + "0a".repeat(32));
    static final TlsaRecord LEAF_B = TlsaRecord.parse("3 1 1 " + "0b".repeat(32));
    static final TlsaRecord CA = TlsaRecord.parse("2 1 1 " + "0c".repeat(32));

    static PowerDnsServer pdns;
    static PowerDnsPublisher publisher;

    @BeforeAll
    static void start() {
        pdns = PowerDnsServer.builder().signedZone(ZONE, KnotServer.soa(ZONE)
                + "mx1 A 127.0.0.1\n" + OWNER + ". 600 TLSA " + THEIRS + "\n").start();
        publisher = new PowerDnsPublisher(ZONE, pdns.apiUrl(), "localhost", pdns.apiKey(),
                Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() {
        pdns.close();
    }

    /** The TLSA records PowerDNS answers a real DNS query with, in presentation form. */
    static List<String> served(String owner) {
        return pdns.query(owner, Type.TLSA).getSection(Section.ANSWER).stream()
                .filter(r -> r.getType() == Type.TLSA)
                .map(r -> Rfc2136Publisher.tlsa(r).toString()).sorted().toList();
    }

    static Set<Long> ttls(String owner) {
        return pdns.query(owner, Type.TLSA).getSection(Section.ANSWER).stream()
                .filter(r -> r.getType() == Type.TLSA).map(r -> r.getTTL())
                .collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void ok_replacesOnlyMailcasRecordsKeepsOthersAndTheirTtl() throws Exception {
        var serial = pdns.serial(ZONE);
        var first = publisher.publish(OWNER, List.of(LEAF_A, CA), Set.of(), 3600);
        assertThat(first.sent()).isTrue();
        assertThat(first.added()).containsExactly(LEAF_A, CA);
        assertThat(first.ttl()).isEqualTo(600);
        assertThat(served(OWNER)).containsExactlyInAnyOrder(CA.toString(), THEIRS,
                LEAF_A.toString());
        assertThat(ttls(OWNER)).containsExactly(600L);
        assertThat(pdns.serial(ZONE)).isEqualTo(serial + 1);
        assertSignedByTheZone(OWNER);

        // Key reuse: the same RRset again sends nothing.
        var patches = pdns.apiRequests("PATCH");
        var count = publisher.updatesSent();
        var again = publisher.publish(OWNER, List.of(LEAF_A, CA), Set.of(LEAF_A, CA), 3600);
        assertThat(again.sent()).isFalse();
        assertThat(again.ttl()).isEqualTo(600);
        assertThat(publisher.updatesSent()).isEqualTo(count);
        assertThat(pdns.apiRequests("PATCH")).isEqualTo(patches);
        assertThat(pdns.serial(ZONE)).isEqualTo(serial + 1);

        // A new key: MailCA's old record goes, the other party's stays with its TTL.
        var roll = publisher.publish(OWNER, List.of(LEAF_B, CA), Set.of(LEAF_A, CA), 3600);
        assertThat(roll.removed()).containsExactly(LEAF_A);
        assertThat(roll.added()).containsExactly(LEAF_B);
        assertThat(served(OWNER)).containsExactlyInAnyOrder(CA.toString(), THEIRS,
                LEAF_B.toString());
        assertThat(ttls(OWNER)).containsExactly(600L);
        assertThat(pdns.apiRequests("PATCH")).isEqualTo(patches + 1);
        assertSignedByTheZone(OWNER);

        // Withdrawing everything of MailCA's leaves the other record alone.
        publisher.publish(OWNER, List.of(), Set.of(LEAF_A, LEAF_B, CA), 3600);
        assertThat(served(OWNER)).containsExactly(THEIRS);
        assertThat(ttls(OWNER)).containsExactly(600L);
    }

    @Test
    void ok_emptyOwnerGetsTheConfiguredTtlAndIsDeletedWhenEmptied() throws Exception {
        var owner = "_587._tcp.mx1.example.test";
        publisher.publish(owner, List.of(LEAF_A), Set.of(), 3600);
        assertThat(served(owner)).containsExactly(LEAF_A.toString());
        assertThat(ttls(owner)).containsExactly(3600L);

        var change = publisher.publish(owner, List.of(), Set.of(LEAF_A), 3600);
        assertThat(change.removed()).containsExactly(LEAF_A);
        var answer = pdns.query(owner, Type.TLSA);
        assertThat(answer.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(answer.getSection(Section.ANSWER)).isEmpty();
        assertThat(pdns.api("GET", "/api/v1/servers/localhost/zones/example.test.?rrset_name="
                + owner + ".&rrset_type=TLSA", null).body()).contains("\"rrsets\": []");
    }

    @Test
    void ok_recordsDeletedOrDisabledByHandComeBack() throws Exception {
        var owner = "_465._tcp.mx1.example.test";
        publisher.publish(owner, List.of(LEAF_A, CA), Set.of(), 3600);

        // An operator deletes the RRset behind MailCA's back: reconciliation puts it back.
        pdns.pdnsutil("delete-rrset", ZONE, "_465._tcp.mx1", "TLSA");
        var repaired = publisher.publish(owner, List.of(LEAF_A, CA), Set.of(LEAF_A, CA), 3600);
        assertThat(repaired.sent()).isTrue();
        assertThat(repaired.added()).containsExactly(LEAF_A, CA);
        assertThat(served(owner)).containsExactlyInAnyOrder(CA.toString(), LEAF_A.toString());

        // Another API client disables MailCA's CA record and comments on the RRset: a disabled
        // record is not served, so MailCA enables it again; the comment stays.
        var disable = pdns.api("PATCH", "/api/v1/servers/localhost/zones/example.test.",
                "{\"rrsets\":[{\"name\":\"" + owner + ".\",\"type\":\"TLSA\",\"ttl\":3600,"
                        + "\"changetype\":\"REPLACE\",\"records\":[{\"content\":\"" + LEAF_A
                        + "\",\"disabled\":false},{\"content\":\"" + CA
                        + "\",\"disabled\":true}],\"comments\":[{\"content\":\"paused by ops\","
                        + "\"account\":\"ops\"}]}]}");
        assertThat(disable.statusCode()).isEqualTo(204);
        assertThat(served(owner)).containsExactly(LEAF_A.toString());
        var enabled = publisher.publish(owner, List.of(LEAF_A, CA), Set.of(LEAF_A, CA), 3600);
        assertThat(enabled.added()).containsExactly(CA);
        assertThat(served(owner)).containsExactlyInAnyOrder(CA.toString(), LEAF_A.toString());
        assertThat(pdns.api("GET", "/api/v1/servers/localhost/zones/example.test.?rrset_name="
                + owner + ".&rrset_type=TLSA", null).body()).contains("\"paused by ops\"");
    }

    @Test
    void fail_wrongApiKeyIsRefusedWithoutShowingAKey() {
        var wrongKey = "not-the-key-0123456789abcdef";
        var wrong = new PowerDnsPublisher(ZONE, pdns.apiUrl(), "localhost", wrongKey,
                Duration.ofSeconds(5));
        assertThatThrownBy(() -> wrong.publish("_993._tcp.mx1.example.test", List.of(LEAF_A),
                Set.of(), 3600)).isInstanceOf(PublishException.class)
                .hasMessage("the PowerDNS API at " + pdns.apiUrl() + " refused MailCA's API"
                        + " key (HTTP 401) for the read of TLSA _993._tcp.mx1.example.test;"
                        + " check api-key or api-key-file of zone example.test against the"
                        + " server's api-key")
                .hasMessageNotContaining(wrongKey).hasMessageNotContaining(pdns.apiKey());
        assertThat(served("_993._tcp.mx1.example.test")).isEmpty();
    }

    @Test
    void fail_zoneUnknownToPowerDns() {
        var other = new PowerDnsPublisher("other.test", pdns.apiUrl(), "localhost",
                pdns.apiKey(), Duration.ofSeconds(5));
        assertThatThrownBy(() -> other.publish("_25._tcp.mx1.other.test", List.of(LEAF_A),
                Set.of(), 3600)).isInstanceOf(PublishException.class)
                .hasMessage("the PowerDNS API at " + pdns.apiUrl() + " has no zone other.test"
                        + " on server id localhost (HTTP 404) for the read of TLSA"
                        + " _25._tcp.mx1.other.test");
    }

    @Test
    void fail_refusedPatchCarriesPowerDnsReason() {
        // PowerDNS refuses an RRset outside the zone with 422 and an error document; MailCA
        // passes its reason on (the worker never asks this: a host goes to its own zone).
        assertThatThrownBy(() -> publisher.publish("_25._tcp.mx1.elsewhere.test",
                List.of(LEAF_A), Set.of(), 3600)).isInstanceOf(PublishException.class)
                .hasMessage("the PowerDNS API at " + pdns.apiUrl() + " answered HTTP 422 to the"
                        + " update of TLSA _25._tcp.mx1.elsewhere.test: RRset"
                        + " _25._tcp.mx1.elsewhere.test. IN TLSA: Name is out of zone");
    }

    @Test
    void fail_powerDnsDownIsAPublishException() throws Exception {
        int port;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        var down = new PowerDnsPublisher(ZONE, "http://127.0.0.1:" + port, "localhost",
                pdns.apiKey(), Duration.ofSeconds(2));
        assertThatThrownBy(() -> down.publish(OWNER, List.of(LEAF_A), Set.of(), 3600))
                .isInstanceOf(PublishException.class)
                .hasMessage("the read of TLSA " + OWNER + " to the PowerDNS API at"
                        + " http://127.0.0.1:" + port + " failed: ConnectException")
                .hasMessageNotContaining(pdns.apiKey());
    }

    @Test
    void ok_settingsTakeTheKeyFromAFile(@TempDir Path dir) throws Exception {
        var keyFile = dir.resolve("pdns-api-key");
        Files.writeString(keyFile, pdns.apiKey() + "\n");
        var fromSettings = PowerDnsPublisher.of(ZONE, zone(Map.of("apiUrl", pdns.apiUrl()
                + "/api/v1/", "apiKeyFile", keyFile.toString())), Duration.ofSeconds(5));
        var owner = "_143._tcp.mx1.example.test";
        assertThat(fromSettings.publish(owner, List.of(CA), Set.of(), 3600).sent()).isTrue();
        assertThat(served(owner)).containsExactly(CA.toString());
    }

    @Test
    void fail_settingsWithoutUrlOrKeyOrWithABadUrl() {
        assertThatThrownBy(() -> PowerDnsPublisher.of(ZONE, zone(Map.of("apiKey", "k")),
                Duration.ofSeconds(5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mailca.dane.zones.\"example.test\".api-url is not set");
        assertThatThrownBy(() -> PowerDnsPublisher.of(ZONE, zone(Map.of("apiUrl",
                pdns.apiUrl())), Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("zone example.test needs api-key or api-key-file");
        assertThatThrownBy(() -> PowerDnsPublisher.of(ZONE, zone(Map.of("apiUrl",
                "ftp://127.0.0.1:8081", "apiKey", "secret-key")), Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mailca.dane.zones.\"example.test\".api-url is not an http or https"
                        + " URL without user info: ftp://127.0.0.1:8081");
        assertThatThrownBy(() -> PowerDnsPublisher.of(ZONE, zone(Map.of("apiUrl",
                pdns.apiUrl(), "apiKey", "two words")), Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("two words");
    }

    /** Every TLSA record at {@code owner} is covered by an RRSIG that verifies with a DNSKEY. */
    static void assertSignedByTheZone(String owner) throws Exception {
        var answer = pdns.query(owner, Type.TLSA).getSection(Section.ANSWER);
        var rrset = new RRset();
        answer.stream().filter(r -> r.getType() == Type.TLSA).forEach(rrset::addRR);
        var sigs = answer.stream().filter(r -> r instanceof RRSIGRecord)
                .map(r -> (RRSIGRecord) r).filter(s -> s.getTypeCovered() == Type.TLSA)
                .toList();
        assertThat(sigs).hasSize(1);
        var sig = sigs.get(0);
        assertThat(sig.getSigner()).isEqualTo(Name.fromString(ZONE + "."));
        var keys = pdns.query(ZONE, Type.DNSKEY).getSection(Section.ANSWER).stream()
                .filter(r -> r instanceof DNSKEYRecord).map(r -> (DNSKEYRecord) r)
                .filter(k -> k.getFootprint() == sig.getFootprint()).toList();
        assertThat(keys).hasSize(1);
        DNSSEC.verify(rrset, sig, keys.get(0), Instant.now());
    }

    /** Zone settings with the given values (method names); others empty or defaults. */
    static DaneSettings.Zone zone(Map<String, String> values) {
        return (DaneSettings.Zone) Proxy.newProxyInstance(DaneSettings.Zone.class
                .getClassLoader(), new Class<?>[] {DaneSettings.Zone.class}, (p, m, args) -> {
                    var value = values.get(m.getName());
                    if (m.getReturnType() == Optional.class) {
                        return Optional.ofNullable(value);
                    }
                    return switch (m.getName()) {
                        case "publisher" -> "powerdns";
                        case "serverId" -> "localhost";
                        default -> value;
                    };
                });
    }
}
