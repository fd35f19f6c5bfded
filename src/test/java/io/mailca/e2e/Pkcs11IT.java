package io.mailca.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.KnotServer;
import io.mailca.testsupport.MailcaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CA keys in a PKCS#11 token (SoftHSM2): the packaged MailCA bootstraps its root and
 * intermediate into a fresh token, certbot obtains a certificate, the OCSP responder answers
 * with a signer whose key is in the token too, and the token shows both CA keys as sensitive
 * and never extractable. A restart finds the CA in the token again.
 */
class Pkcs11IT {
    private static final String LIBRARY = "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so";
    private static final String LABEL = "mailca-ca";
    /** Distinctive, so that finding it in the log would mean it was logged. */
    private static final String PIN = "Tk8-pin-5150";
    private static final String HOST = "mx1.example.test";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    @Timeout(600)
    void bootstrapsIntoTheTokenIssuesAndNeverExportsTheKey(@TempDir Path tmp) throws Exception {
        var conf = tmp.resolve("softhsm2.conf");
        Files.createDirectories(tmp.resolve("tokens"));
        Files.writeString(conf, "directories.tokendir = " + tmp.resolve("tokens") + "\n"
                + "objectstore.backend = file\nlog.level = ERROR\n");
        var softhsm = Map.of("SOFTHSM2_CONF", conf.toString());
        new Command(List.of("softhsm2-util", "--init-token", "--free", "--label", LABEL,
                "--pin", PIN, "--so-pin", "so-" + PIN), softhsm, TIMEOUT).run().assertSuccess();
        var pinFile = tmp.resolve("pin");
        Files.writeString(pinFile, PIN + "\n");

        try (var knot = KnotServer.builder().exampleTest().start();
                var mailca = MailcaProcess.builder().domains("example.test")
                        .dnsResolver(knot.address())
                        .env("SOFTHSM2_CONF", conf.toString())
                        .env("MAILCA_CA_KEY_STORAGE", "PKCS11")
                        .env("MAILCA_CA_PKCS11_LIBRARY", LIBRARY)
                        .env("MAILCA_CA_PKCS11_TOKEN_LABEL", LABEL)
                        .env("MAILCA_CA_PKCS11_PIN_FILE", pinFile.toString())
                        .start()) {
            // 1. The CA was created in the token; no keystore file exists.
            assertThat(mailca.logOfCurrentRun()).contains("Created the corporate CA for"
                    + " [example.test] (EC_P256 keys in PKCS#11 token \"" + LABEL + "\"");
            assertThat(mailca.dataDir().resolve("ca/ca.p12")).doesNotExist();
            var root = mailca.rootCertificate();

            // 2. certbot obtains a certificate signed inside the token.
            var certbot = new Certbot(tmp.resolve("certbot"), mailca);
            certbot.run("certonly", "--server", mailca.directoryUrl(), "--standalone",
                    "--http-01-port", String.valueOf(mailca.http01Port()),
                    "--http-01-address", "127.0.0.1", "-d", HOST, "--agree-tos",
                    "-m", "postmaster@example.test").assertSuccess();
            var live = certbot.live(HOST);
            var rootPem = tmp.resolve("root.pem");
            Files.write(rootPem, mailca.getPublic("/ca/root.pem").body());
            openssl("verify", "-CAfile", rootPem, "-untrusted", live.resolve("chain.pem"),
                    live.resolve("cert.pem")).assertSuccess();

            // 3. OCSP, signed by a delegated signer whose key the token generated.
            var ocsp = openssl("ocsp", "-issuer", live.resolve("chain.pem"), "-cert",
                    live.resolve("cert.pem"), "-url", mailca.publicUrl() + "/ocsp",
                    "-CAfile", rootPem).assertSuccess();
            assertThat(ocsp.output()).contains("Response verify OK")
                    .contains(live.resolve("cert.pem") + ": good");

            // 4. Both CA keys are in the token, sensitive and never extractable.
            var objects = new Command(List.of("pkcs11-tool", "--module", LIBRARY,
                    "--token-label", LABEL, "--login", "--pin", PIN, "--list-objects",
                    "--type", "privkey"), softhsm, TIMEOUT).run().assertSuccess().output();
            for (var alias : List.of("root", "intermediate-1")) {
                var id = HexFormat.of().formatHex(alias.getBytes());
                assertThat(objects).as(objects).containsPattern("ID: +" + id + "\\n"
                        + " +Usage: +[^\\n]*sign[^\\n]*\\n"
                        + " +Access: +sensitive, always sensitive, never extractable, local");
            }
            assertThat(objects.split("Private Key Object", -1)).as("two private keys, the"
                    + " OCSP signer's being a session object").hasSize(3);

            // 5. The authority rows say where the keys are; the PIN is in no log line.
            mailca.stop();
            try (var db = DriverManager.getConnection("jdbc:h2:file:" + mailca.dataDir()
                    .resolve("mailca") + ";MODE=PostgreSQL", "mailca", "");
                    var rows = db.createStatement().executeQuery(
                            "select id, key_storage, key_ref from authority order by id")) {
                var found = new StringBuilder();
                while (rows.next()) {
                    found.append(rows.getString(1)).append(' ').append(rows.getString(2))
                            .append(' ').append(rows.getString(3)).append('\n');
                }
                assertThat(found.toString()).isEqualTo(
                        "intermediate-1 PKCS11 intermediate-1\nroot PKCS11 root\n");
            }
            mailca.start();
            assertThat(mailca.logOfCurrentRun()).contains("Loaded the corporate CA.");
            assertThat(mailca.rootCertificate()).isEqualTo(root);
            assertThat(mailca.log()).doesNotContain(PIN);
        }
    }

    private static Command.Result openssl(Object... args) {
        var argv = new java.util.ArrayList<String>();
        argv.add("openssl");
        for (var arg : args) {
            argv.add(arg.toString());
        }
        return new Command(argv, Map.of(), TIMEOUT).run();
    }
}
