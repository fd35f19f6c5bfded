package io.mailca.e2e;

import io.mailca.testsupport.MailcaProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
    private String lastRunLog = "";

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
     * message shows the tails of what certbot logged during this run (it prints only a
     * summary) and of MailCA's log.
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
        var logOffset = logSize();
        var result = new Command(argv, env, TIMEOUT).run();
        lastRunLog = logSince(logOffset);
        // The server's side of a failure (a 500's cause) is in MailCA's log, not certbot's.
        return new Command.Result(argv, result.exitCode(), result.output(),
                "---- certbot's log of this run (tail) ----\n" + tail(lastRunLog, 80)
                        + "\n---- MailCA's log since its latest start (tail) ----\n"
                        + tail(mailca.logOfCurrentRun(), 80));
    }

    private static String tail(String text, int lines) {
        var all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /**
     * What certbot logged during the latest {@link #run}, HTTP exchanges with the server
     * included. certbot appends every run to one file.
     */
    String lastRunLog() {
        return lastRunLog;
    }

    private long logSize() {
        try {
            return Files.exists(logFile()) ? Files.size(logFile()) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String logSince(long offset) {
        try {
            if (!Files.exists(logFile())) {
                return "(certbot wrote no log)";
            }
            var all = Files.readAllBytes(logFile());
            var from = (int) Math.min(offset, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path logFile() {
        return dir.resolve("logs/letsencrypt.log");
    }
}
