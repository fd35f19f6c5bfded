package io.mailca.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.testsupport.KnotServer;
import io.mailca.testsupport.MailcaProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mail-host policy as an operator and a mail admin meet it, on the packaged server: certbot
 * asking for a name that is no mail host gets the policy's reason (RFC 8555 §6.7.1), and a
 * restart with a mail domain outside the CA's Name Constraints (RFC 5280 §4.2.1.10) stops with
 * a message naming it.
 */
class PolicyIT {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    @Test
    @Timeout(300)
    void certbotShowsTheRefusalAndAWiderDomainListStopsTheStart(@TempDir Path tmp) {
        try (var knot = KnotServer.builder().exampleTest().start();
                var mailca = MailcaProcess.builder().domains("example.test")
                        .dnsResolver(knot.address()).start()) {
            var certbot = new Certbot(tmp.resolve("certbot"), mailca);

            // Debian's certbot 2.1 on Python 3.11 reports every ACME problem as "AttributeError:
            // can't set attribute" (josepy's immutable error meets contextlib); with -vv it
            // prints the server's answer, whose detail is what a mail admin reads.
            var refused = certbot.run("certonly", "-vv",
                    "--server", mailca.directoryUrl(),
                    "--standalone",
                    "--http-01-port", String.valueOf(mailca.http01Port()),
                    "--http-01-address", "127.0.0.1",
                    "-d", "www.example.test",
                    "--agree-tos",
                    "-m", "postmaster@example.test");

            assertThat(refused.exitCode()).as(refused.describe("expected a refusal"))
                    .isNotZero();
            assertThat(refused.output()).as(refused.describe("expected the policy's reason"))
                    .contains("www.example.test: no MX or SRV record points to it and it"
                            + " matches no host pattern");
            assertThat(mailca.logOfCurrentRun()).contains("Mail host policy: domains"
                    + " [example.test], host patterns [mx*, smtp*, mail*, imap*, pop*,"
                    + " submission*]");

            // The same data directory, one more domain: the signed constraints cannot cover it.
            mailca.stop();
            var env = new HashMap<>(mailca.env());
            env.put("MAILCA_DOMAINS", "example.test,example.org");
            var argv = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    Path.of(System.getProperty("mailca.jar",
                            "target/quarkus-app/quarkus-run.jar")).toAbsolutePath().toString()));
            var widened = new Command(argv, env, START_TIMEOUT).run();

            assertThat(widened.exitCode()).as(widened.describe("expected a refusal to start"))
                    .isNotZero();
            assertThat(widened.output()).contains("mail domain(s) [example.org] lie outside the"
                    + " CA's Name Constraints [example.test]; a signed constraint cannot be"
                    + " widened: create a new CA for them (see docs/operations.md)");
        }
    }
}
