package io.mailca.dane;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 *
 * <p>A script cannot tell MailCA what the zone holds, so when MailCA's records have not changed
 * it asks the zone's authoritative servers instead: when none of those that answer serves all of
 * MailCA's records (deleted by hand, a restored zone backup), the script runs again. One server
 * lagging behind the others does not trigger it; a server that does not answer says nothing.
 */
public class ScriptPublisher implements TlsaPublisher {
    private static final Logger LOG = Logger.getLogger(ScriptPublisher.class);

    private final String zone;
    private final String script;
    private final Duration timeout;
    private final ServedRrsets served;
    private final AtomicLong runs = new AtomicLong();

    /** What the zone's authoritative servers serve at an owner: one set per server answering. */
    @FunctionalInterface
    public interface ServedRrsets {
        List<Set<TlsaRecord>> at(String owner);
    }

    /** A publisher that runs the script only when MailCA's records change, never asking DNS. */
    public ScriptPublisher(String zone, String script, Duration timeout) {
        this(zone, script, timeout, owner -> List.of());
    }

    public ScriptPublisher(String zone, String script, Duration timeout, ServedRrsets served) {
        this.zone = zone;
        this.script = script;
        this.timeout = timeout;
        this.served = served;
    }

    /** Script runs since start (not counting the ones found unnecessary). */
    public long updatesSent() {
        return runs.get();
    }

    @Override
    public Change publish(String owner, List<TlsaRecord> desired, Set<TlsaRecord> owned,
            int ttl) throws PublishException {
        var want = new LinkedHashSet<>(desired);
        var repair = false;
        if (want.equals(owned)) {
            var servers = want.isEmpty() ? List.<Set<TlsaRecord>>of() : served.at(owner);
            if (servers.isEmpty() || servers.stream().anyMatch(s -> s.containsAll(want))) {
                return new Change(false, List.of(), List.of(), ttl);
            }
            LOG.warnf("TLSA %s: no authoritative server serves all of MailCA's records %s"
                    + " (deleted by hand, or a restored zone?); running the publisher script"
                    + " again", owner, want);
            repair = true;
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
            runs.incrementAndGet();
            LOG.debugf("publisher script for %s: %s", owner, output);
        } catch (IOException e) {
            throw new PublishException("cannot run the publisher script " + script + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("interrupted while running the publisher script", e);
        }
        var added = new ArrayList<>(want);
        if (!repair) {
            added.removeAll(owned);
        }
        var removed = new ArrayList<>(owned);
        removed.removeAll(want);
        return new Change(true, added, removed, ttl);
    }

    private static String last(String output) {
        return output.length() > 500 ? output.substring(output.length() - 500) : output;
    }
}
