package io.mailca.dane;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Publishes through an operator's script, for any DNS provider MailCA does not speak to
 * (Windows DNS with GSS-TSIG, a provider's API). The script gets MailCA's desired RRset for one
 * owner name on standard input, one zone-file line per record
 * ({@code _25._tcp.mx1.example.com. 3600 IN TLSA 3 1 1 <hex>}), and in the environment:
 * {@code MAILCA_DANE_ZONE}, {@code MAILCA_DANE_OWNER}, {@code MAILCA_DANE_TTL}, and
 * {@code MAILCA_DANE_PREVIOUS}, the records MailCA published there before, one
 * {@code "3 1 1 <hex>"} per line: the script must replace exactly those and leave other
 * records at the owner alone. Exit status 0 means done; anything else is retried.
 */
public class ScriptPublisher implements TlsaPublisher {
    private static final Logger LOG = Logger.getLogger(ScriptPublisher.class);

    private final String zone;
    private final String script;
    private final Duration timeout;

    public ScriptPublisher(String zone, String script, Duration timeout) {
        this.zone = zone;
        this.script = script;
        this.timeout = timeout;
    }

    @Override
    public Change publish(String owner, List<TlsaRecord> desired, Set<TlsaRecord> owned,
            int ttl) throws PublishException {
        var want = new LinkedHashSet<>(desired);
        if (want.equals(owned)) {
            return new Change(false, List.of(), List.of(), ttl);
        }
        var input = desired.stream()
                .map(r -> owner + ". " + ttl + " IN TLSA " + r + "\n")
                .collect(Collectors.joining());
        var builder = new ProcessBuilder(script).redirectErrorStream(true);
        builder.environment().put("MAILCA_DANE_ZONE", zone);
        builder.environment().put("MAILCA_DANE_OWNER", owner);
        builder.environment().put("MAILCA_DANE_TTL", String.valueOf(ttl));
        builder.environment().put("MAILCA_DANE_PREVIOUS", owned.stream().map(String::valueOf)
                .collect(Collectors.joining("\n")));
        try {
            var process = builder.start();
            try (var stdin = process.getOutputStream()) {
                stdin.write(input.getBytes(StandardCharsets.US_ASCII));
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new PublishException("the publisher script for " + owner
                        + " did not finish within " + timeout.toSeconds() + " s");
            }
            var output = new String(process.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8).strip();
            if (process.exitValue() != 0) {
                throw new PublishException("the publisher script for " + owner + " exited with "
                        + process.exitValue() + ": " + last(output));
            }
            LOG.debugf("publisher script for %s: %s", owner, output);
        } catch (IOException e) {
            throw new PublishException("cannot run the publisher script " + script + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("interrupted while running the publisher script", e);
        }
        var added = new ArrayList<>(want);
        added.removeAll(owned);
        var removed = new ArrayList<>(owned);
        removed.removeAll(want);
        return new Change(true, added, removed, ttl);
    }

    private static String last(String output) {
        return output.length() > 500 ? output.substring(output.length() - 500) : output;
    }
}
