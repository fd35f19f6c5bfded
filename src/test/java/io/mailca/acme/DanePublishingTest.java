package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.dane.DaneHealth;
import io.mailca.dane.DaneOverview;
import io.mailca.dane.DaneWorker;
import io.mailca.dane.ProbeRunner;
import io.mailca.dane.Publishers;
import io.mailca.dane.StartTlsSmtpServer;
import io.mailca.store.DaneJob;
import io.mailca.store.DaneRows;
import io.mailca.testsupport.AcmeTestServers;
import io.mailca.testsupport.KnotServer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLSA publishing end to end (issue #4): certificates issued over ACME, jobs run by the DANE
 * worker with an explicit time, records checked by real queries to a real DNSSEC-signing Knot
 * server, DNSSEC judged by MailCA's default in-process validator with the zone's DS as trust
 * anchor, and mail hosts played by STARTTLS servers presenting the issued chains.
 */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class DanePublishingTest {
    static final String THEIRS = "3 1 1 " + "ab".repeat(32);

    static KnotServer knot;
    static StartTlsSmtpServer smtp;
    static StartTlsSmtpServer submission;

    @Inject
    DaneWorker worker;
    @Inject
    ProbeRunner probe;
    @Inject
    Publishers publishers;
    @Inject
    DaneRows rows;
    @Inject
    DaneOverview overview;
    @Inject
    io.mailca.dns.DnsClient dns;
    @Inject
    @io.smallrye.health.api.Wellness
    DaneHealth health;

    @BeforeAll
    static void start() throws Exception {
        knot = startKnot();
        smtp = new StartTlsSmtpServer(Integer.getInteger(
                AcmeTestServers.DANE_SMTP_PORT_PROPERTY));
        submission = new StartTlsSmtpServer(Integer.getInteger(
                AcmeTestServers.DANE_SUBMISSION_PORT_PROPERTY));
        // On a loaded machine the first HTTPS request after start may time out; warm up.
        for (var i = 0; i < 3; i++) {
            try {
                AcmeHttp.get(AcmeTestServers.directory());
                break;
            } catch (RuntimeException slowStart) {
                // Try again.
            }
        }
    }

    static KnotServer startKnot() throws Exception {
        // The owner of mx-dane1's SMTP service already holds somebody else's record.
        var server = KnotServer.builder()
                .port(Integer.getInteger(AcmeTestServers.DANE_DNS_PORT_PROPERTY))
                .tsigSecret(System.getProperty(AcmeTestServers.DANE_TSIG_SECRET_PROPERTY))
                .signedZone("example.test", KnotServer.soa("example.test")
                        + "* A 127.0.0.1\n_25._tcp.mx-dane1 600 TLSA " + THEIRS + "\n"
                        // mx-dane-ttl's owner holds another's record with a day's TTL.
                        + "_25._tcp.mx-dane-ttl 86400 TLSA " + THEIRS + "\n")
                .start();
        // The zone's DS (a new key on each start) anchors MailCA's in-process validator.
        java.nio.file.Files.writeString(AcmeTestServers.DANE_TRUST_ANCHORS, ds(server));
        return server;
    }

    /** The DS line with the first digit of its digest changed: it matches no key. */
    static String wrongDigest(String ds) {
        var digest = ds.lastIndexOf(' ') + 1;
        var first = ds.charAt(digest) == '0' ? '1' : '0';
        return ds.substring(0, digest) + first + ds.substring(digest + 1);
    }

    /** {@code keymgr -c CONF example.test ds}: the DS lines of the key Knot signs with. */
    static String ds(KnotServer server) throws Exception {
        var out = run("keymgr", "-c", server.configFile().toString(), "example.test", "ds");
        var lines = out.lines().filter(l -> l.startsWith("example.test. DS ")).toList();
        assertThat(lines).as(out).isNotEmpty();
        return String.join("\n", lines) + "\n";
    }

    @AfterAll
    static void stop() throws Exception {
        knot.close();
        smtp.close();
        submission.close();
    }

    /** A certificate, its key and its chain (leaf, intermediate). */
    record Issued(KeyPair key, List<X509Certificate> chain) {
        X509Certificate leaf() {
            return chain.get(0);
        }

        String serial() {
            return leaf().getSerialNumber().toString(16);
        }
    }

    static Issued issue(AcmeHttp.Account account, KeyPair key, String host) {
        var order = AcmeHttp.readyOrder(account, host);
        var finalized = account.post(order.json().get("finalize").asText(),
                Issuance.finalizePayload(Issuance.csr(key, host)));
        assertThat(finalized.status()).as("finalize: %s", finalized).isEqualTo(200);
        var valid = AcmeHttp.pollUntil(account, order.location(),
                o -> !"processing".equals(o.get("status").asText()));
        assertThat(valid.json().get("status").asText()).isEqualTo("valid");
        var chain = account.postAsGet(valid.json().get("certificate").asText());
        return new Issued(key, Issuance.parseChain(chain.body()));
    }

    static void revoke(AcmeHttp.Account account, Issued issued, int reason) throws Exception {
        var payload = new HashMap<String, Object>(Map.of("certificate",
                AccountKey.base64url(issued.leaf().getEncoded()), "reason", reason));
        var reply = account.post(AcmeHttp.REVOKE_CERT, AcmeHttp.json(payload));
        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
    }

    /** {@code 3 1 1} or {@code 2 1 1} data: SHA-256 of the DER SubjectPublicKeyInfo. */
    static String spki(int usage, X509Certificate certificate) throws Exception {
        return usage + " 1 1 " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(certificate.getPublicKey().getEncoded()));
    }

    /** The TLSA RRset Knot serves, in presentation form, sorted. */
    static List<String> served(String owner) {
        return knot.tlsa(owner);
    }

    static List<String> sorted(String... records) {
        var list = new ArrayList<>(List.of(records));
        list.sort(null);
        return list;
    }

    @Test
    void probeHistoryIsPurgedButTheNewestRunThatSawAKeyStays() {
        var host = "mx-probe-purge.example.test";
        var t0 = Instant.parse("2026-01-01T00:00:00Z");
        QuarkusTransaction.requiringNew().run(() -> {
            rows.add(probeRow(host, 25, "aa", t0));
            rows.add(probeRow(host, 25, "bb", t0.plus(Duration.ofDays(1))));
            // The newest runs read no key (the host was down): the last key seen must stay.
            rows.add(probeRow(host, 25, null, t0.plus(Duration.ofDays(2))));
            rows.add(probeRow(host, 25, null, t0.plus(Duration.ofDays(3))));
            rows.add(probeRow(host, 587, "cc", t0));
        });

        QuarkusTransaction.requiringNew().run(
                () -> rows.purgeProbes(t0.plus(Duration.ofDays(30))));

        var left = QuarkusTransaction.requiringNew().call(() -> rows.probesOf(host).stream()
                .map(p -> p.port + " " + p.spkiSha256 + " " + p.seenAt).toList());
        assertThat(left).containsExactlyInAnyOrder(
                "25 bb " + t0.plus(Duration.ofDays(1)),
                "25 null " + t0.plus(Duration.ofDays(2)),
                "25 null " + t0.plus(Duration.ofDays(3)),
                "587 cc " + t0);
        QuarkusTransaction.requiringNew().run(
                () -> io.mailca.store.DaneProbe.delete("host", host));
    }

    private static io.mailca.store.DaneProbe probeRow(String host, int port, String spki,
            Instant seenAt) {
        var row = new io.mailca.store.DaneProbe();
        row.host = host;
        row.port = port;
        row.spkiSha256 = spki;
        row.seenAt = seenAt;
        return row;
    }

    @Test
    void issuancePublishesEveryPortKeepsOthersAndKeyReuseSendsNothing() throws Exception {
        var host = "mx-dane1.example.test";
        var account = AcmeHttp.register();
        worker.runDue(Instant.now());

        var issued = issue(account, Issuance.certificateKey(), host);
        worker.runDue(Instant.now());

        var leaf = spki(3, issued.leaf());
        var ca = spki(2, issued.chain().get(1));
        assertThat(served("_25._tcp." + host)).isEqualTo(sorted(leaf, ca, THEIRS));
        assertThat(served("_587._tcp." + host)).isEqualTo(sorted(leaf, ca));
        // The other party's RRset kept its TTL; the new one got MailCA's 3600.
        assertThat(knot.kdig("+noall", "+answer", "_25._tcp." + host, "TLSA"))
                .containsPattern("\\s600\\s+IN\\s+TLSA").doesNotContainPattern("\\s3600\\s");
        assertThat(knot.kdig("+noall", "+answer", "_587._tcp." + host, "TLSA"))
                .containsPattern("\\s3600\\s+IN\\s+TLSA").doesNotContainPattern("\\s600\\s");
        assertThat(knot.kdig("+dnssec", "+noall", "+answer", "_587._tcp." + host, "TLSA"))
                .contains("RRSIG\tTLSA");

        // An independent DANE verifier accepts a STARTTLS server presenting the issued chain
        // against the records Knot serves (-d: the file's records count as DNSSEC-valid).
        smtp.serve(issued.key().getPrivate(), issued.chain());
        assertThat(ldnsDaneVerify(host, smtp.port())).contains("dane-validated successfully");

        // Key reuse (certbot --reuse-key): a new certificate, the same RRset, no update.
        var updates = publishers.updatesSent();
        issue(account, issued.key(), host);
        assertThat(worker.runDue(Instant.now())).isEqualTo(1);
        assertThat(publishers.updatesSent()).isEqualTo(updates);
        assertThat(served("_587._tcp." + host)).isEqualTo(sorted(leaf, ca));

        // MailCA's own validator, anchored at the zone's DS, calls the TLSA secure.
        var owner = "_587._tcp." + host;
        var status = QuarkusTransaction.requiringNew().call(
                () -> rows.status(owner).orElseThrow());
        assertThat(status.secure).as(status.detail).isTrue();
        assertThat(status.detail).isNull();
        assertThat(status.served).contains(leaf).contains(ca);
        assertThat(health.call().getData().map(d -> d.containsKey(owner)).orElse(false))
                .isFalse();

        // An anchor that matches no key of the zone: bogus, so reported insecure, never secure.
        var anchors = java.nio.file.Files.readString(AcmeTestServers.DANE_TRUST_ANCHORS);
        try {
            java.nio.file.Files.writeString(AcmeTestServers.DANE_TRUST_ANCHORS, anchors.lines()
                    .map(DanePublishingTest::wrongDigest).reduce("", (a, b) -> a + b + "\n"));
            worker.reconcile(Instant.now());
            worker.runDue(Instant.now());
            var bogus = QuarkusTransaction.requiringNew().call(
                    () -> rows.status(owner).orElseThrow());
            assertThat(bogus.secure).isFalse();
            assertThat(bogus.detail).contains("is NOT DNSSEC-secure (BOGUS: ");
            var check = health.call();
            assertThat(check.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
            assertThat(check.getData().orElseThrow().get(owner).toString())
                    .startsWith("INSECURE");
            // Both owners of the host, _25 and _587, in the Prometheus metric too.
            assertThat(metric("mailca_dane_owners_insecure", host)).isEqualTo(2);
        } finally {
            java.nio.file.Files.writeString(AcmeTestServers.DANE_TRUST_ANCHORS, anchors);
        }

        // Drift: a record deleted by hand comes back with reconciliation.
        knot.delete("example.test", "_587._tcp.mx-dane1", org.xbill.DNS.Type.TLSA);
        assertThat(served("_587._tcp." + host)).isEmpty();
        worker.reconcile(Instant.now());
        worker.runDue(Instant.now());
        assertThat(served("_587._tcp." + host)).isEqualTo(sorted(leaf, ca));
    }

    @Test
    void supersededKeyStaysUntilTheProbeSeesTheNewKeyEverywhereAndTwoTtlsPass()
            throws Exception {
        var host = "mx-dane2.example.test";
        var account = AcmeHttp.register();
        var first = issue(account, Issuance.certificateKey(), host);
        var t = Instant.now();
        worker.runDue(t);
        smtp.serve(first.key().getPrivate(), first.chain());
        submission.serve(first.key().getPrivate(), first.chain());
        var results = probe.probe(host, t);
        assertThat(results).allSatisfy(r -> {
            assertThat(r.matchesTlsa()).isTrue();
            assertThat(r.chainsToRoot()).isTrue();
            assertThat(r.alert()).isNull();
        });

        var second = issue(account, Issuance.certificateKey(), host);
        t = Instant.now();
        worker.runDue(t);
        var oldLeaf = spki(3, first.leaf());
        var newLeaf = spki(3, second.leaf());
        var ca = spki(2, first.chain().get(1));
        assertThat(served("_25._tcp." + host)).isEqualTo(sorted(oldLeaf, newLeaf, ca));

        // The renewal is not deployed: the old record stays, however long, and the probe alerts.
        results = probe.probe(host, t.plusSeconds(10));
        assertThat(results).allSatisfy(r -> assertThat(r.alert()).contains("superseded"));
        worker.runDue(t.plus(Duration.ofDays(3)));
        assertThat(served("_25._tcp." + host)).isEqualTo(sorted(oldLeaf, newLeaf, ca));

        // Deployed on port 25 only.
        smtp.serve(second.key().getPrivate(), second.chain());
        probe.probe(host, t.plusSeconds(20));
        worker.runDue(t.plus(Duration.ofDays(3)));
        assertThat(served("_25._tcp." + host)).isEqualTo(sorted(oldLeaf, newLeaf, ca));

        // Deployed everywhere, then port 25 rolled back to the old certificate: the old record
        // stays, however long, while the host presents the old key again.
        submission.serve(second.key().getPrivate(), second.chain());
        probe.probe(host, t.plusSeconds(30));
        smtp.serve(first.key().getPrivate(), first.chain());
        probe.probe(host, t.plusSeconds(40));
        worker.runDue(t.plus(Duration.ofDays(3)));
        assertThat(served("_25._tcp." + host)).isEqualTo(sorted(oldLeaf, newLeaf, ca));
        smtp.serve(second.key().getPrivate(), second.chain());

        // Deployed everywhere; the old record goes once 2×TTL (2 h) after the new one.
        var twoTtl = t.plus(Duration.ofHours(2));
        probe.probe(host, twoTtl.minusSeconds(1));
        worker.runDue(twoTtl.minusSeconds(1));
        assertThat(served("_587._tcp." + host)).isEqualTo(sorted(oldLeaf, newLeaf, ca));
        results = probe.probe(host, twoTtl);
        assertThat(results).allSatisfy(r -> assertThat(r.alert()).isNull());
        worker.runDue(twoTtl);
        assertThat(served("_25._tcp." + host)).isEqualTo(sorted(newLeaf, ca));
        assertThat(served("_587._tcp." + host)).isEqualTo(sorted(newLeaf, ca));

        // Back to the old certificate without its intermediate: nothing published matches it.
        smtp.serve(first.key().getPrivate(), List.of(first.leaf()));
        var old = probe.probe(host, twoTtl.plusSeconds(1)).get(0);
        assertThat(old.port()).isEqualTo(25);
        assertThat(old.matchesTlsa()).isFalse();
        assertThat(old.alert()).contains("superseded");
        // One port alerts (25; 587 serves the new key); 2 owners × (new leaf, CA) published.
        assertThat(metric("mailca_dane_probe_alerts", host)).isEqualTo(1);
        assertThat(metric("mailca_dane_records_published", host)).isEqualTo(4);
        // The host presents the old key again: its record comes back (the probe alerts on).
        worker.runDue(twoTtl.plusSeconds(1));
        assertThat(served("_25._tcp." + host)).isEqualTo(sorted(oldLeaf, newLeaf, ca));
    }

    @Test
    void supersededKeyStaysWhileAnyAddressOfTheHostStillServesIt() throws Exception {
        // Two servers behind one name: mx-dane-pair has two A records (after validation, which
        // reaches the zone's wildcard 127.0.0.1), each address an SMTP server of its own.
        var host = "mx-dane-pair.example.test";
        var account = AcmeHttp.register();
        var first = issue(account, Issuance.certificateKey(), host);
        var second = issue(account, Issuance.certificateKey(), host);
        var t = Instant.now();
        worker.runDue(t);
        var oldLeaf = spki(3, first.leaf());
        var newLeaf = spki(3, second.leaf());
        var ca = spki(2, first.chain().get(1));
        assertThat(served("_25._tcp." + host)).isEqualTo(sorted(oldLeaf, newLeaf, ca));

        var renewed = java.net.InetAddress.getByName("127.0.0.41");
        var stale = java.net.InetAddress.getByName("127.0.0.42");
        AcmeTestServers.knot().replace(KnotServer.EXAMPLE_TEST, "mx-dane-pair 60 A 127.0.0.41",
                "mx-dane-pair 60 A 127.0.0.42");
        var port = smtp.port();
        try (var atRenewed = new StartTlsSmtpServer(renewed, port)) {
            atRenewed.serve(second.key().getPrivate(), second.chain());
            // The host's addresses as MailCA's resolver (the test Knot) gives them.
            var addresses = dns.addresses(host);
            assertThat(addresses).containsExactlyInAnyOrder(renewed, stale);
            var twoTtl = t.plus(Duration.ofHours(2));
            try (var atStale = new StartTlsSmtpServer(stale, port)) {
                atStale.serve(first.key().getPrivate(), first.chain());
                // One address serves the new key, the other the old: the old record stays after
                // 2×TTL (2 h), and the stale address alerts, named.
                var results = probe.probe(host, twoTtl, addresses);
                assertThat(results).hasSize(2).allSatisfy(r -> {
                    assertThat(r.port()).isEqualTo(25);
                    if (r.address().equals("127.0.0.41")) {
                        assertThat(r.spkiSha256()).isEqualTo(newLeaf.substring(6));
                        assertThat(r.alert()).isNull();
                    } else {
                        assertThat(r.address()).isEqualTo("127.0.0.42");
                        assertThat(r.spkiSha256()).isEqualTo(oldLeaf.substring(6));
                        assertThat(r.alert()).isEqualTo(host + ":25 [127.0.0.42] serves a"
                                + " superseded certificate (serial " + first.serial()
                                + "); the renewed one was not deployed");
                    }
                });
                worker.runDue(twoTtl);
                assertThat(served("_25._tcp." + host)).isEqualTo(sorted(oldLeaf, newLeaf, ca));
            }

            // The stale address down: it serves no key and alerts; the port is judged by the
            // address that answered, which serves the new key.
            var results = probe.probe(host, twoTtl.plusSeconds(1), addresses);
            assertThat(results).filteredOn(r -> r.address().equals("127.0.0.42"))
                    .singleElement().satisfies(r -> {
                        assertThat(r.spkiSha256()).isNull();
                        assertThat(r.alert()).startsWith("no TLS on " + host
                                + ":25 [127.0.0.42] (smtp");
                    });
            worker.runDue(twoTtl.plusSeconds(1));
            assertThat(served("_25._tcp." + host)).isEqualTo(sorted(newLeaf, ca));

            // Back with the old key: its record comes back.
            try (var atStale = new StartTlsSmtpServer(stale, port)) {
                atStale.serve(first.key().getPrivate(), first.chain());
                probe.probe(host, twoTtl.plusSeconds(2), addresses);
                worker.runDue(twoTtl.plusSeconds(2));
                assertThat(served("_25._tcp." + host)).isEqualTo(sorted(oldLeaf, newLeaf, ca));

                // Both addresses serve the new key: the old record goes.
                atStale.serve(second.key().getPrivate(), second.chain());
                results = probe.probe(host, twoTtl.plusSeconds(3), addresses);
                assertThat(results).hasSize(2).allSatisfy(r -> {
                    assertThat(r.spkiSha256()).isEqualTo(newLeaf.substring(6));
                    assertThat(r.alert()).isNull();
                });
                worker.runDue(twoTtl.plusSeconds(3));
                assertThat(served("_25._tcp." + host)).isEqualTo(sorted(newLeaf, ca));
            }
        } finally {
            AcmeTestServers.knot().delete(KnotServer.EXAMPLE_TEST, "mx-dane-pair",
                    org.xbill.DNS.Type.A);
        }
    }

    @Test
    void aWildcardCertificateGetsNoTlsaAtAWildcardOwnerName() throws Exception {
        // A wildcard name is no host a client connects to: TLSA at _25._tcp.*.mx-pool2 would
        // be junk in the zone, and probing "*.mx-pool2" an alert for ever. The hosts it covers
        // (RFC 6125 §6.4.3) get its key at their own names: mx7, an MX exchange of the mail
        // domain, and mx8, configured (AcmeTestServers). deep.mx7 is an MX the * cannot cover.
        var name = "*.mx-pool2.example.test";
        var mx = new String[] {"@ MX 30 mx7.mx-pool2", "@ MX 40 deep.mx7.mx-pool2"};
        AcmeTestServers.knot().add(KnotServer.EXAMPLE_TEST, mx);
        try {
            wildcardCertificate(name);
        } finally {
            AcmeTestServers.knot().remove(KnotServer.EXAMPLE_TEST, mx);
        }
    }

    private void wildcardCertificate(String name) throws Exception {
        var account = AcmeHttp.register();
        // mx7 has its own certificate too: the two follow the usual rules together.
        var mx7 = "_25._tcp.mx7.mx-pool2.example.test";
        var own = issue(account, Issuance.certificateKey(), "mx7.mx-pool2.example.test");
        worker.runDue(Instant.now());
        var ownLeaf = spki(3, own.leaf());
        assertThat(served(mx7)).isEqualTo(sorted(ownLeaf, spki(2, own.chain().get(1))));
        var order = AcmeHttp.newOrder(account, name);
        var authzUrl = order.json().get("authorizations").get(0).asText();
        var challenge = AcmeHttp.challengeOf(account.postAsGet(authzUrl).json(), "dns-01");
        var digest = MessageDigest.getInstance("SHA-256").digest((challenge.get("token")
                .asText() + "." + account.key().thumbprint())
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        AcmeTestServers.knot().replace(KnotServer.EXAMPLE_TEST, "_acme-challenge.mx-pool2 TXT \""
                + AccountKey.base64url(digest) + "\"");
        assertThat(account.post(challenge.get("url").asText(), "{}").status()).isEqualTo(200);
        assertThat(AcmeHttp.pollUntil(account, authzUrl, AcmeHttp.statusIsNot("pending"))
                .json().get("status").asText()).isEqualTo("valid");
        var finalized = account.post(order.json().get("finalize").asText(),
                Issuance.finalizePayload(Issuance.csr(Issuance.certificateKey(), name)));
        assertThat(finalized.status()).as("%s", finalized).isEqualTo(200);
        assertThat(AcmeHttp.pollUntil(account, order.location(),
                AcmeHttp.statusIsNot("processing")).json().get("status").asText())
                .isEqualTo("valid");

        var valid = account.postAsGet(order.location()).json();
        var issued = new Issued(null, Issuance.parseChain(account.postAsGet(
                valid.get("certificate").asText()).body()));

        worker.runDue(Instant.now());
        var leaf = spki(3, issued.leaf());
        var ca = spki(2, issued.chain().get(1));
        // The newer key joins; mx7's own stays until a probe sees the new one + 2×TTL.
        assertThat(served(mx7)).isEqualTo(sorted(ownLeaf, leaf, ca));
        assertThat(served("_25._tcp.mx8.mx-pool2.example.test")).isEqualTo(sorted(leaf, ca));
        assertThat(served("_25._tcp.deep.mx7.mx-pool2.example.test")).isEmpty();
        assertThat(served("_25._tcp.mx-pool2.example.test")).isEmpty();
        worker.reconcile(Instant.now());
        worker.runDue(Instant.now());
        assertThat(served("_25._tcp." + name)).isEmpty();
        assertThat(served(mx7)).isEqualTo(sorted(ownLeaf, leaf, ca));
        assertThat(QuarkusTransaction.requiringNew().call(() -> rows.pendingJobs()))
                .noneMatch(j -> j.host.equals(name));
        assertThat(scrape()).doesNotContain(name);
        // A host covered only by the wildcard is a DANE host of its own in the admin view.
        var mx8 = "mx8.mx-pool2.example.test";
        assertThat(overview.hosts()).contains(mx8);
        assertThat(overview.host(mx8).orElseThrow().desired())
                .extracting(DaneOverview.Record::rdata)
                .containsExactlyInAnyOrder(leaf, ca);

        // keyCompromise (RFC 5280 §5.3.1): the covered hosts' records go at once, and the
        // DANE-TA record while the compromised certificate is unexpired; mx7 keeps its own.
        revoke(account, issued, 1);
        worker.runDue(Instant.now());
        assertThat(served(mx7)).isEqualTo(List.of(ownLeaf));
        assertThat(served("_25._tcp.mx8.mx-pool2.example.test")).isEmpty();
    }

    @Test
    void rolloverWaitsTwiceTheTtlTheRrsetKeepsNotTheSetting() throws Exception {
        // Others' record keeps the RRset at TTL 86400 (RFC 2181 §5.2), so resolvers may cache
        // it a day: the old key waits 2 days, not 2×3600 s.
        var host = "mx-dane-ttl.example.test";
        var account = AcmeHttp.register();
        var first = issue(account, Issuance.certificateKey(), host);
        worker.runDue(Instant.now());
        var second = issue(account, Issuance.certificateKey(), host);
        var t = Instant.now();
        worker.runDue(t);
        var owner = "_25._tcp." + host;
        var oldLeaf = spki(3, first.leaf());
        var newLeaf = spki(3, second.leaf());
        var ca = spki(2, first.chain().get(1));
        assertThat(knot.kdig("+noall", "+answer", owner, "TLSA")).containsPattern("\\s86400\\s")
                .doesNotContainPattern("\\s3600\\s");
        assertThat(served(owner)).isEqualTo(sorted(THEIRS, oldLeaf, newLeaf, ca));

        smtp.serve(second.key().getPrivate(), second.chain());
        assertThat(probe.probe(host, t.plusSeconds(10))).allSatisfy(r -> assertThat(r.alert())
                .isNull());
        worker.runDue(t.plus(Duration.ofHours(2)).plusSeconds(1));
        assertThat(served(owner)).isEqualTo(sorted(THEIRS, oldLeaf, newLeaf, ca));
        probe.probe(host, t.plus(Duration.ofDays(2)).minusSeconds(1));
        worker.runDue(t.plus(Duration.ofDays(2)).minusSeconds(1));
        assertThat(served(owner)).isEqualTo(sorted(THEIRS, oldLeaf, newLeaf, ca));
        probe.probe(host, t.plus(Duration.ofDays(2)));
        worker.runDue(t.plus(Duration.ofDays(2)));
        assertThat(served(owner)).isEqualTo(sorted(THEIRS, newLeaf, ca));
    }

    @Test
    void keyCompromiseWithdrawsTheKeyAndTheCaRecordAtOnce() throws Exception {
        var host = "mx-dane3.example.test";
        var account = AcmeHttp.register();
        var first = issue(account, Issuance.certificateKey(), host);
        var second = issue(account, Issuance.certificateKey(), host);
        worker.runDue(Instant.now());
        var ca = spki(2, first.chain().get(1));
        assertThat(served("_25._tcp." + host)).isEqualTo(sorted(spki(3, first.leaf()),
                spki(3, second.leaf()), ca));

        revoke(account, second, 1);
        worker.runDue(Instant.now());
        assertThat(served("_25._tcp." + host)).isEqualTo(sorted(spki(3, first.leaf())));
    }

    @Test
    void otherRevocationReasonsChangeNothingAtOnce() throws Exception {
        var host = "mx-dane4.example.test";
        var account = AcmeHttp.register();
        var first = issue(account, Issuance.certificateKey(), host);
        var second = issue(account, Issuance.certificateKey(), host);
        worker.runDue(Instant.now());
        var expected = sorted(spki(3, first.leaf()), spki(3, second.leaf()),
                spki(2, first.chain().get(1)));
        assertThat(served("_25._tcp." + host)).isEqualTo(expected);

        var updates = publishers.updatesSent();
        revoke(account, second, 4);
        worker.runDue(Instant.now());
        assertThat(served("_25._tcp." + host)).isEqualTo(expected);
        assertThat(publishers.updatesSent()).isEqualTo(updates);
    }

    @Test
    void dnsServerDownDuringIssuanceRetriesUntilTheRecordsAppear() throws Exception {
        var host = "mx-dane5.example.test";
        var account = AcmeHttp.register();
        knot.close();
        try {
            var issued = issue(account, Issuance.certificateKey(), host);
            var now = Instant.now();
            worker.runDue(now);
            var job = QuarkusTransaction.requiringNew().call(() -> rows.pendingJobs().stream()
                    .filter(j -> j.host.equals(host)).findFirst().orElseThrow());
            assertThat(job.attempts).isEqualTo(1);
            assertThat(job.lastError).contains("failed");
            assertThat(metric("mailca_dane_jobs_pending", host)).isEqualTo(1);
            assertThat(metric("mailca_dane_jobs_failing", host)).isEqualTo(1);
            assertThat(metric("mailca_dane_records_published", host)).isZero();
            var updatesBefore = updatesCounted();
            // PostgreSQL keeps microseconds.
            assertThat(Duration.between(now.plusSeconds(5), job.runAt).abs())
                    .isLessThan(Duration.ofMillis(1));

            knot = startKnot();
            worker.runDue(now.plusSeconds(4));
            assertThat(served("_25._tcp." + host)).isEmpty();
            worker.runDue(now.plusSeconds(5));
            assertThat(served("_25._tcp." + host)).isEqualTo(sorted(spki(3, issued.leaf()),
                    spki(2, issued.chain().get(1))));
            var done = QuarkusTransaction.requiringNew().call(() -> rows.job(job.id)
                    .orElseThrow());
            assertThat(done.state).isEqualTo(DaneJob.DONE);
            assertThat(done.attempts).isEqualTo(2);
            assertThat(metric("mailca_dane_jobs_pending", host)).isZero();
            assertThat(metric("mailca_dane_jobs_failing", host)).isZero();
            assertThat(metric("mailca_dane_records_published", host)).isEqualTo(2);
            assertThat(metric("mailca_dane_owners_insecure", host)).isZero();
            // The new Knot counts every update it processed; the metric counted as many.
            var processed = knot.log().lines().filter(l -> l.contains("DDNS, processing"))
                    .count();
            assertThat(processed).isPositive();
            assertThat(updatesCounted() - updatesBefore).isEqualTo(processed);
        } finally {
            if (!knotAnswers()) {
                knot = startKnot();
            }
        }
    }

    @Test
    void twoWorkersNeverClaimTheSameJob() throws Exception {
        var host = "mx-dane-claim.example.test";
        var early = Instant.now().minus(Duration.ofDays(1));
        QuarkusTransaction.requiringNew().run(() -> {
            rows.enqueue(host, "test", early);
            rows.enqueue(host, "test", early);
        });
        var now = Instant.now();
        var lease = now.plus(Duration.ofMinutes(2));
        var firstHolds = new CountDownLatch(1);
        var secondDone = new CountDownLatch(1);
        var pool = Executors.newSingleThreadExecutor();
        try {
            var first = pool.submit(() -> QuarkusTransaction.requiringNew().call(() -> {
                var id = rows.claim(now, lease).orElseThrow().id;
                firstHolds.countDown();
                // Keep the row lock while the other worker claims.
                secondDone.await(10, TimeUnit.SECONDS);
                return id;
            }));
            assertThat(firstHolds.await(10, TimeUnit.SECONDS)).isTrue();
            var second = QuarkusTransaction.requiringNew().call(
                    () -> rows.claim(now, lease).orElseThrow().id);
            secondDone.countDown();
            var firstId = first.get(10, TimeUnit.SECONDS);
            assertThat(second).isNotEqualTo(firstId);

            // Both are leased now: a third claim gets neither.
            var third = QuarkusTransaction.requiringNew().call(() -> rows.claim(now, lease)
                    .map(j -> j.id));
            assertThat(third).isNotIn(java.util.Optional.of(firstId),
                    java.util.Optional.of(second));
            QuarkusTransaction.requiringNew().run(() -> {
                rows.job(firstId).orElseThrow().state = DaneJob.DONE;
                rows.job(second).orElseThrow().state = DaneJob.DONE;
                third.flatMap(rows::job).ifPresent(j -> j.leasedUntil = null);
            });
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A worker whose job outlasted its lease (DNS timeouts, say) finds, at its next renewal,
     * that another worker claimed the job meanwhile: the renewal fails, and neither its
     * reschedule nor its finish changes the job, which the new owner finishes (issue #4).
     */
    @Test
    void aLeaseTakenOverFencesOffTheFirstWorker() throws Exception {
        var host = "mx-dane-lease.example.test";
        // Ten days back: no other test's job is due that early, so the claims below get ours.
        var t = Instant.now().minus(Duration.ofDays(10)).truncatedTo(ChronoUnit.MICROS);
        var lease = Duration.ofMinutes(2);
        QuarkusTransaction.requiringNew().run(() -> rows.enqueue(host, "test", t));
        var a = QuarkusTransaction.requiringNew().call(() -> token(rows.claim(t, t.plus(lease))));
        // While A's lease runs, nobody else gets the job.
        assertThat(QuarkusTransaction.requiringNew().call(() -> rows.claim(
                t.plus(lease).minusNanos(1000), t.plus(Duration.ofMinutes(4))))).isEmpty();

        // A's lease ran out (no renewal for three minutes); worker B claims the job.
        var takeover = t.plus(Duration.ofMinutes(3));
        var b = QuarkusTransaction.requiringNew().call(() -> token(rows.claim(takeover,
                takeover.plus(lease))));
        assertThat(b.id()).isEqualTo(a.id());
        assertThat(b.claim()).isNotEqualTo(a.claim());

        // A renews before its next publication: refused, so it publishes nothing more.
        assertThat(QuarkusTransaction.requiringNew().call(() -> rows.renew(a.id(), a.claim(),
                takeover.plus(lease)))).isFalse();
        // A's failure or success is refused too: B's lease and the job's state stand.
        assertThat(QuarkusTransaction.requiringNew().call(() -> rows.reschedule(a.id(),
                a.claim(), takeover.plus(Duration.ofHours(1)), "A timed out"))).isFalse();
        assertThat(QuarkusTransaction.requiringNew().call(() -> rows.finish(a.id(), a.claim(),
                takeover, "A's note"))).isFalse();
        var held = QuarkusTransaction.requiringNew().call(() -> rows.job(a.id()).orElseThrow());
        assertThat(held.state).isEqualTo(DaneJob.PENDING);
        assertThat(held.claimId).isEqualTo(b.claim());
        assertThat(held.attempts).isEqualTo(2);
        assertThat(held.runAt).isEqualTo(t);
        assertThat(held.leasedUntil).isEqualTo(takeover.plus(lease));
        assertThat(held.lastError).isNull();

        // B renews and finishes; A, late, cannot undo that.
        var end = takeover.plus(Duration.ofMinutes(1));
        assertThat(QuarkusTransaction.requiringNew().call(() -> rows.renew(b.id(), b.claim(),
                end.plus(lease)))).isTrue();
        assertThat(QuarkusTransaction.requiringNew().call(() -> rows.finish(b.id(), b.claim(),
                end, null))).isTrue();
        assertThat(QuarkusTransaction.requiringNew().call(() -> rows.finish(a.id(), a.claim(),
                end.plusSeconds(30), "A's note"))).isFalse();
        assertThat(QuarkusTransaction.requiringNew().call(() -> rows.renew(b.id(), b.claim(),
                end.plus(lease)))).as("a finished job has no lease to renew").isFalse();
        var done = QuarkusTransaction.requiringNew().call(() -> rows.job(a.id()).orElseThrow());
        assertThat(done.state).isEqualTo(DaneJob.DONE);
        assertThat(done.finishedAt).isEqualTo(end);
        assertThat(done.leasedUntil).isNull();
        assertThat(done.lastError).isNull();
    }

    /**
     * The worker as the second owner: it leaves a job alone while another worker's lease runs,
     * claims it once the lease ran out, and its finish stands against the first worker's.
     */
    @Test
    void theWorkerTakesUpAJobWhoseLeaseRanOutAndItsFinishStands() throws Exception {
        // No zone is configured for unzoned.test: the worker finishes the job with a note.
        var host = "mx.unzoned.test";
        var t = Instant.now().minus(Duration.ofDays(9)).truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> rows.enqueue(host, "test", t));
        var a = QuarkusTransaction.requiringNew().call(() -> token(rows.claim(t,
                t.plus(Duration.ofMinutes(2)))));
        assertThat(worker.runDue(t.plus(Duration.ofMinutes(1)))).isZero();
        assertThat(worker.runDue(t.plus(Duration.ofMinutes(3)))).isEqualTo(1);
        assertThat(QuarkusTransaction.requiringNew().call(() -> rows.finish(a.id(), a.claim(),
                t.plus(Duration.ofMinutes(4)), "A's note"))).isFalse();
        var done = QuarkusTransaction.requiringNew().call(() -> rows.job(a.id()).orElseThrow());
        assertThat(done.state).isEqualTo(DaneJob.DONE);
        assertThat(done.claimId).isNotEqualTo(a.claim());
        assertThat(done.attempts).isEqualTo(2);
        assertThat(done.finishedAt).isEqualTo(t.plus(Duration.ofMinutes(3)));
        assertThat(done.lastError).isEqualTo("no zone configured for " + host
                + " (or a wildcard name); nothing published");
    }

    /** A claim's job id and owner token. */
    record Token(long id, String claim) {
    }

    static Token token(java.util.Optional<DaneJob> claimed) {
        var job = claimed.orElseThrow();
        assertThat(job.claimId).hasSize(36);
        return new Token(job.id, job.claimId);
    }

    /**
     * FACTS.md's recipe: the chain read with {@code openssl s_client -starttls smtp}, the
     * TLSA RRset read from Knot with kdig, then {@code ldns-dane -t} over both.
     */
    static String ldnsDaneVerify(String host, int port) throws Exception {
        var dir = java.nio.file.Files.createTempDirectory("ldns-dane");
        var tlsa = dir.resolve("tlsa.txt");
        java.nio.file.Files.writeString(tlsa, knot.kdig("+noall", "+answer",
                "_587._tcp." + host, "TLSA"));
        var chain = dir.resolve("chain.pem");
        run("sh", "-c", "openssl s_client -connect 127.0.0.1:" + port + " -starttls smtp"
                + " -showcerts </dev/null 2>/dev/null | sed -n '/-----BEGIN/,/-----END/p' > "
                + chain);
        return run("ldns-dane", "-n", "-d", "-t", tlsa.toString(), "-c", chain.toString(),
                "verify");
    }

    static String run(String... command) throws Exception {
        var p = new ProcessBuilder(command).redirectErrorStream(true).start();
        var out = new String(p.getInputStream().readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", List.of(command), out).isZero();
        return out;
    }

    /** The scrape Prometheus would get from the plain-HTTP listener. */
    static String scrape() throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://localhost:" + AcmeTestServers.httpPort()
                        + "/q/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The value of the series {@code name{host="HOST"}} (exposition format: name{..} value). */
    static double metric(String name, String host) throws Exception {
        var series = name + "{host=\"" + host + "\"}";
        var body = scrape();
        var line = body.lines().filter(l -> l.startsWith(series + " ")).findFirst();
        assertThat(line).as("%s in:\n%s", series, body).isPresent();
        return Double.parseDouble(line.get().substring(series.length() + 1));
    }

    /** mailca_dane_updates_total of the example.test zone. */
    static double updatesCounted() throws Exception {
        var series = "mailca_dane_updates_total{publisher=\"rfc2136\",zone=\"example.test\"}";
        var body = scrape();
        var line = body.lines().filter(l -> l.startsWith(series + " ")).findFirst();
        assertThat(line).as("%s in:\n%s", series, body).isPresent();
        return Double.parseDouble(line.get().substring(series.length() + 1));
    }

    static boolean knotAnswers() {
        try {
            knot.kdig("+short", "example.test", "SOA");
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
