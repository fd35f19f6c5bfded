package io.mailca.e2e;

import io.mailca.testsupport.MailcaProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Debian's {@code certbot} program, pointed at one MailCA, with its configuration, work and log
 * directories in a temp dir of its own so that it never reads or writes {@code /etc/letsencrypt}.
 */
final class Certbot {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private final Path dir;
    private final MailcaProcess mailca;

    Certbot(Path dir, MailcaProcess mailca) {
        this.dir = dir;
        this.mailca = mailca;
    }

    /** {@code live/NAME/}: the lineage's current cert.pem, chain.pem, fullchain.pem. */
    Path live(String certName) {
        return dir.resolve("config/live").resolve(certName);
    }

    /**
     * Runs {@code certbot ARGS --non-interactive} with the private directories; a failure
     * message shows certbot's own log too, since certbot prints only a summary.
     */
    Command.Result run(String... args) {
        var argv = new ArrayList<>(List.of("certbot"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--non-interactive",
                "--config-dir", dir.resolve("config").toString(),
                "--work-dir", dir.resolve("work").toString(),
                "--logs-dir", dir.resolve("logs").toString()));
        // certbot speaks HTTPS through Python requests, which trusts this bundle.
        var env = Map.of("REQUESTS_CA_BUNDLE", mailca.serviceCaPem().toString());
        var result = new Command(argv, env, TIMEOUT).run();
        return new Command.Result(argv, result.exitCode(), result.output(),
                "---- certbot's log (tail) ----\n" + logTail());
    }

    private String logTail() {
        var log = dir.resolve("logs/letsencrypt.log");
        try {
            if (!Files.exists(log)) {
                return "(no log)";
            }
            var lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
