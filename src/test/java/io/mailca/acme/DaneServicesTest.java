package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.admin.AdminHttp;
import io.mailca.dane.DaneWorker;
import io.mailca.dane.MailService;
import io.mailca.dane.ProbeRunner;
import io.mailca.dane.ServicePort;
import io.mailca.issuance.Pem;
import io.mailca.registration.Role;
import io.mailca.registration.TokenService;
import io.mailca.store.DaneRows;
import io.mailca.testsupport.AcmeTestServers;
import io.mailca.testsupport.DovecotServer;
import io.mailca.testsupport.KnotServer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TLSA owner names of hosts without configured services come from the mail domain's MX
 * and SRV records (RFC 5321 §5.1, RFC 6186, RFC 8314), read from the real Knot server MailCA
 * resolves through; the records are published into (and withdrawn from) the DANE zone of a
 * second real Knot server. An SRV record at another port than its service's standard one puts
 * the owner name at the SRV port (RFC 7673 §3), and the probe speaks the service's protocol
 * there, to a real Dovecot.
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
        "_imap._tcp SRV 0 1 1143 mail-ports3",
        "_imaps._tcp SRV 5 1 9993 mail-ports3",
        "_pop3._tcp SRV 0 1 1110 mail-ports3",
        "_pop3s._tcp SRV 0 1 1995 mail-ports3",
    };
    /** The SRV ports of mail-ports3, every port this test may see TLSA at beyond the standard. */
    static final List<Integer> SRV_PORTS = List.of(1110, 1143, 1995, 9993);

    static KnotServer dane;
    static DovecotServer dovecot;

    @Inject
    DaneWorker worker;
    @Inject
    DaneRows rows;
    @Inject
    ProbeRunner probe;
    @Inject
    TokenService tokens;

    @BeforeAll
    static void start() throws Exception {
        dane = DanePublishingTest.startKnot();
        AcmeTestServers.knot().add(ZONE, RECORDS);
        // Dovecot listens where the probe's port-override sends the SRV ports, and nowhere else.
        var ports = AcmeTestServers.DANE_SRV_PORT_PROPERTIES;
        dovecot = new DovecotServer(Integer.getInteger(ports.get(1143)),
                Integer.getInteger(ports.get(9993)), Integer.getInteger(ports.get(1110)),
                Integer.getInteger(ports.get(1995)));
    }

    @AfterAll
    static void stop() {
        // Records already gone are ignored (RFC 2136 §3.4.2.4).
        AcmeTestServers.knot().remove(ZONE, RECORDS);
        AcmeTestServers.knot().remove(ZONE, "_imaps._tcp SRV 5 1 993 mail-ports3");
        dane.close();
        if (dovecot != null) {
            dovecot.close();
        }
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
        // Only SRV records at other ports than the standard ones: those ports (RFC 7673 §3),
        // not the default. No record: the default, 25. An MX whose host has configured
        // services (pop3s, and submissions on 4465): those alone.
        var expected = Map.of(
                "mx-ports1", List.of(25, 993),
                "mail-ports2", List.of(465, 587),
                "mail-ports3", SRV_PORTS,
                "mx-ports4", List.of(25),
                "mx-ports5", List.of(995, 4465));
        for (var e : expected.entrySet()) {
            assertPublishedAt(e.getKey(), issued.get(e.getKey()), e.getValue());
        }

        srvPortsAreProbedSpeakingTheirServices(issued.get("mail-ports3"));

        // mx-ports1 stops being an IMAP SRV target: its _993 records go, _25 stays.
        // mail-ports3's IMAPS SRV record moves from 9993 to 993: _9993 goes, _993 comes.
        AcmeTestServers.knot().remove(ZONE, "_imaps._tcp SRV 0 1 993 mx-ports1",
                "_imaps._tcp SRV 5 1 9993 mail-ports3");
        AcmeTestServers.knot().add(ZONE, "_imaps._tcp SRV 5 1 993 mail-ports3");
        worker.reconcile(Instant.now());
        worker.runDue(Instant.now());

        assertPublishedAt("mail-ports3", issued.get("mail-ports3"), List.of(993, 1110, 1143,
                1995));
        assertWithdrawn("mail-ports3." + ZONE, 9993);
        var viewer = AdminHttp.token(tokens, Role.VIEWER);
        var view = AdminHttp.get("/dane/hosts/mail-ports3." + ZONE, viewer).json();
        var probed = new TreeSet<String>();
        view.get("probes").forEach(p -> probed.add(p.get("port").asInt() + " "
                + p.get("service").asText()));
        // The probes of port 9993 are forgotten with its owner name.
        assertThat(probed).containsExactly("1110 pop3", "1143 imap", "1995 pop3s");

        assertPublishedAt("mx-ports1", issued.get("mx-ports1"), List.of(25));
        assertWithdrawn("mx-ports1." + ZONE, 993);
    }

    /**
     * The probe connects to mail-ports3's SRV ports (through the port-override) and speaks
     * each service's protocol there: STARTTLS for IMAP and POP3, TLS from the first byte for
     * IMAPS and POP3S; Dovecot serves the issued chain on all four. The admin view names the
     * service of every owner name and probe.
     */
    void srvPortsAreProbedSpeakingTheirServices(DanePublishingTest.Issued issued)
            throws Exception {
        var host = "mail-ports3." + ZONE;
        dovecot.serve(Pem.certificates(issued.chain()), Pem.privateKey(issued.key().getPrivate()));

        var results = probe.probe(host, Instant.now());

        assertThat(results).extracting(ProbeRunner.Result::service).as(dovecot.log())
                .containsExactly(new ServicePort(MailService.IMAP, 1143),
                        new ServicePort(MailService.IMAPS, 9993),
                        new ServicePort(MailService.POP3, 1110),
                        new ServicePort(MailService.POP3S, 1995));
        var leaf = DanePublishingTest.spki(3, issued.leaf()).substring("3 1 1 ".length());
        assertThat(results).allSatisfy(r -> {
            assertThat(r.port()).isEqualTo(r.service().port());
            assertThat(r.alert()).isNull();
            assertThat(r.spkiSha256()).isEqualTo(leaf);
            assertThat(r.matchesTlsa()).isTrue();
            assertThat(r.chainsToRoot()).isTrue();
        });

        var viewer = AdminHttp.token(tokens, Role.VIEWER);
        var view = AdminHttp.get("/dane/hosts/" + host, viewer).json();
        var owners = new TreeSet<String>();
        view.get("desired").forEach(r -> owners.add(r.get("ownerName").asText() + " "
                + r.get("service").asText()));
        assertThat(owners).containsExactly("_1110._tcp." + host + " pop3",
                "_1143._tcp." + host + " imap", "_1995._tcp." + host + " pop3s",
                "_9993._tcp." + host + " imaps");
        var probed = new TreeSet<String>();
        view.get("probes").forEach(p -> probed.add(p.get("port").asInt() + " "
                + p.get("service").asText() + " " + p.get("matchesTlsa").asBoolean()));
        assertThat(probed).containsExactly("1110 pop3 true", "1143 imap true",
                "1995 pop3s true", "9993 imaps true");
    }

    /** MailCA's records at {@code _PORT._tcp.HOST} are withdrawn and their status forgotten. */
    void assertWithdrawn(String host, int port) {
        var owner = "_" + port + "._tcp." + host;
        var withdrawn = QuarkusTransaction.requiringNew().call(() -> rows.recordsOfHost(host)
                .stream().filter(r -> r.ownerName.equals(owner)).toList());
        assertThat(withdrawn).hasSize(2).allSatisfy(r -> assertThat(r.withdrawnAt).isNotNull());
        assertThat(QuarkusTransaction.requiringNew().call(() -> rows.status(owner))).isEmpty();
    }

    /**
     * MailCA's records of {@code name} are exactly {@code 3 1 1} and {@code 2 1 1} at
     * {@code _PORT._tcp.HOST} for each of {@code ports}, and Knot serves nothing at the other
     * mail ports of the host, standard or {@link #SRV_PORTS}.
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
        var checked = new TreeSet<>(SRV_PORTS);
        checked.addAll(ports);
        for (var service : MailService.values()) {
            checked.add(service.port());
        }
        for (var port : checked) {
            var owner = "_" + port + "._tcp." + host;
            assertThat(served(owner)).as("TLSA at %s", owner)
                    .isEqualTo(ports.contains(port) ? records : List.of());
        }
    }

    /** The TLSA RRset the DANE zone's Knot serves at {@code owner}, sorted. */
    static List<String> served(String owner) {
        return dane.tlsa(owner);
    }
}
