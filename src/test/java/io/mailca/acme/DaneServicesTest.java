package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.dane.DaneWorker;
import io.mailca.dane.MailService;
import io.mailca.store.DaneRows;
import io.mailca.testsupport.AcmeTestServers;
import io.mailca.testsupport.KnotServer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TLSA owner names of hosts without configured services come from the mail domain's MX
 * and SRV records (RFC 5321 §5.1, RFC 6186, RFC 8314), read from the real Knot server MailCA
 * resolves through; the records are published into (and withdrawn from) the DANE zone of a
 * second real Knot server.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class DaneServicesTest {
    static final String ZONE = KnotServer.EXAMPLE_TEST;
    /** The mail domain's records naming this test's hosts, added to the resolver's zone. */
    static final String[] RECORDS = {
        "@ MX 10 mx-ports1",
        "@ MX 20 mx-ports5",
        "_imaps._tcp SRV 0 1 993 mx-ports1",
        "_submission._tcp SRV 0 1 587 mail-ports2",
        "_submissions._tcp SRV 0 1 465 mail-ports2",
        "_imaps._tcp SRV 5 1 9993 mail-ports3",
    };

    static KnotServer dane;

    @Inject
    DaneWorker worker;
    @Inject
    DaneRows rows;

    @BeforeAll
    static void start() throws Exception {
        dane = DanePublishingTest.startKnot();
        AcmeTestServers.knot().add(ZONE, RECORDS);
    }

    @AfterAll
    static void stop() {
        // Records already gone are ignored (RFC 2136 §3.4.2.4).
        AcmeTestServers.knot().remove(ZONE, RECORDS);
        dane.close();
    }

    @Test
    void ownerNamesFollowMxAndSrvRecordsAndADroppedServiceIsWithdrawn() throws Exception {
        var account = AcmeHttp.register();
        var issued = new TreeMap<String, DanePublishingTest.Issued>();
        for (var host : List.of("mx-ports1", "mail-ports2", "mail-ports3", "mx-ports4",
                "mx-ports5")) {
            issued.put(host, DanePublishingTest.issue(account, Issuance.certificateKey(),
                    host + "." + ZONE));
        }
        worker.runDue(Instant.now());

        // MX and an imaps SRV target: 25 and 993. Two submission SRV records: 587 and 465.
        // Only an SRV record at a non-standard port: nothing (docs/dane.md). No record: the
        // default, 25. An MX whose host has configured services (pop3s): those alone.
        var expected = Map.of(
                "mx-ports1", List.of(25, 993),
                "mail-ports2", List.of(465, 587),
                "mail-ports3", List.<Integer>of(),
                "mx-ports4", List.of(25),
                "mx-ports5", List.of(995));
        for (var e : expected.entrySet()) {
            assertPublishedAt(e.getKey(), issued.get(e.getKey()), e.getValue());
        }

        // mx-ports1 stops being an IMAP SRV target: its _993 records go, _25 stays.
        AcmeTestServers.knot().remove(ZONE, "_imaps._tcp SRV 0 1 993 mx-ports1");
        worker.reconcile(Instant.now());
        worker.runDue(Instant.now());

        assertPublishedAt("mx-ports1", issued.get("mx-ports1"), List.of(25));
        var host = "mx-ports1." + ZONE;
        var withdrawn = QuarkusTransaction.requiringNew().call(() -> rows.recordsOfHost(host)
                .stream().filter(r -> r.ownerName.equals("_993._tcp." + host)).toList());
        assertThat(withdrawn).hasSize(2).allSatisfy(r -> assertThat(r.withdrawnAt).isNotNull());
        assertThat(QuarkusTransaction.requiringNew().call(() -> rows.status("_993._tcp." + host)))
                .isEmpty();
    }

    /**
     * MailCA's records of {@code name} are exactly {@code 3 1 1} and {@code 2 1 1} at
     * {@code _PORT._tcp.HOST} for each of {@code ports}, and Knot serves nothing at the other
     * mail ports of the host.
     */
    void assertPublishedAt(String name, DanePublishingTest.Issued issued, List<Integer> ports)
            throws Exception {
        var host = name + "." + ZONE;
        var owners = ports.stream().map(p -> "_" + p + "._tcp." + host).sorted().toList();
        var current = QuarkusTransaction.requiringNew().call(() -> rows.recordsOfHost(host)
                .stream().filter(r -> r.withdrawnAt == null).map(r -> r.ownerName).distinct()
                .sorted().toList());
        assertThat(current).as("owner names of %s", host).isEqualTo(owners);
        var records = DanePublishingTest.sorted(DanePublishingTest.spki(3, issued.leaf()),
                DanePublishingTest.spki(2, issued.chain().get(1)));
        for (var service : MailService.values()) {
            var owner = service.owner(host);
            assertThat(served(owner)).as("TLSA at %s", owner)
                    .isEqualTo(ports.contains(service.port()) ? records : List.of());
        }
    }

    /** The TLSA RRset the DANE zone's Knot serves at {@code owner}, sorted. */
    static List<String> served(String owner) {
        var result = new ArrayList<String>();
        for (var line : dane.kdig("+short", owner, "TLSA").split("\n")) {
            if (!line.isBlank()) {
                var parts = line.trim().split("\\s+", 4);
                result.add(parts[0] + " " + parts[1] + " " + parts[2] + " "
                        + parts[3].replaceAll("\\s", "").toLowerCase());
            }
        }
        result.sort(null);
        return result;
    }
}
