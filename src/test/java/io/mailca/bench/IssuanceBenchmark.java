package io.mailca.bench;

import io.mailca.testsupport.KnotServer;
import io.mailca.testsupport.MailcaProcess;
import io.mailca.testsupport.PostgresCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * How many full ACME issuances a second the packaged MailCA completes (DESIGN.md, Speed), on
 * durable storage: a throwaway PostgreSQL cluster with {@code fsync} on, and the embedded H2
 * store. For each store it starts MailCA as a real process, a Knot server as its resolver and
 * an http-01 responder, then runs C concurrent acme4j clients ({@link IssuanceClient}, one
 * account each, registered before the clock starts) for a fixed time, and prints completed and
 * failed flows, flows per second, flow latency percentiles and the server's peak RSS.
 *
 * <p>Run by {@code ./scripts/bench} (docs/benchmark.md); never part of {@code mvn verify}. It
 * prints figures and fails on nothing but a broken set-up: a slow machine is a figure.
 *
 * <pre>
 * ./scripts/bench --stores=postgresql,h2 --clients=1,16,64 --seconds=25 --warmup-seconds=10
 * </pre>
 */
public final class IssuanceBenchmark {
    static final String DOMAIN = "example.test";

    private IssuanceBenchmark() {
    }

    /** What to run; see {@link #parse}. */
    record Options(List<String> stores, List<Integer> clients, Duration duration,
            int flowsPerClient, Duration warmup, Path jfrDir, Path jar) {
    }

    /** One row of the result table. */
    record Row(String store, int clients, double seconds, long completed, long failed,
            Map<String, Long> failures, double p50, double p95, double p99, long peakRssKib,
            String load, double serverCpuSeconds, double clientCpuSeconds) {
        double perSecond() {
            return seconds > 0 ? completed / seconds : 0;
        }

        /** CPU time per completed flow, which other load on the machine hardly changes. */
        double serverCpuMillisPerFlow() {
            return completed > 0 ? serverCpuSeconds * 1000 / completed : 0;
        }

        double clientCpuMillisPerFlow() {
            return completed > 0 ? clientCpuSeconds * 1000 / completed : 0;
        }
    }

    public static void main(String[] args) throws Exception {
        var options = parse(args);
        var out = System.out;
        printMachine(out);
        var rows = new ArrayList<Row>();
        for (var store : options.stores()) {
            rows.addAll(runStore(store, options, out));
        }
        out.println();
        printTable(rows, out);
        out.flush();
        // acme4j's HTTP clients keep non-daemon selector threads alive.
        System.exit(0);
    }

    static Options parse(String... args) {
        var stores = List.of("postgresql", "h2");
        var clients = List.of(1, 16, 64);
        var seconds = 25L;
        var flows = 0;
        var warmup = 10L;
        Path jfr = null;
        Path jar = null;
        for (var arg : args) {
            var split = arg.split("=", 2);
            var value = split.length == 2 ? split[1] : "";
            switch (split[0]) {
                case "--stores" -> stores = List.of(value.split(","));
                case "--clients" -> clients = Arrays.stream(value.split(","))
                        .map(Integer::parseInt).toList();
                case "--seconds" -> seconds = Long.parseLong(value);
                case "--flows-per-client" -> flows = Integer.parseInt(value);
                case "--warmup-seconds" -> warmup = Long.parseLong(value);
                case "--jfr" -> jfr = Path.of(value.isEmpty() ? "target/bench" : value);
                case "--jar" -> jar = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + arg
                        + "; options: --stores=postgresql,h2 --clients=1,16,64 --seconds=25"
                        + " --flows-per-client=N --warmup-seconds=10 --jfr[=DIR]"
                        + " --jar=OTHER/target/quarkus-app/quarkus-run.jar");
            }
        }
        for (var store : stores) {
            if (!store.equals("postgresql") && !store.equals("h2")) {
                throw new IllegalArgumentException("unknown store " + store
                        + "; stores: postgresql, h2");
            }
        }
        return new Options(stores, clients, Duration.ofSeconds(seconds), flows,
                Duration.ofSeconds(warmup), jfr, jar);
    }

    /** Starts Knot, the store and MailCA, warms up, then runs one row per client count. */
    static List<Row> runStore(String store, Options options, PrintStream out) throws Exception {
        var zone = KnotServer.soa(DOMAIN) + "* A 127.0.0.1\n";
        PostgresCluster postgres = null;
        try (var knot = KnotServer.builder().zone(DOMAIN, zone).start()) {
            var builder = MailcaProcess.builder().domains(DOMAIN).dnsResolver(knot.address())
                    // Limits stay on, counted as in production, but high enough for the run.
                    .env("MAILCA_RATE_LIMITS_ORDERS_PER_ACCOUNT_LIMIT", "100000")
                    .env("MAILCA_RATE_LIMITS_CERTIFICATES_PER_DOMAIN_LIMIT", "100000");
            if (store.equals("postgresql")) {
                postgres = PostgresCluster.startDurable();
                builder.postgres(postgres);
            }
            if (options.jar() != null) {
                builder.jar(options.jar());
            }
            if (options.jfrDir() != null) {
                builder.jvmOption("-XX:StartFlightRecording=name=bench,settings=profile");
            }
            out.printf("%n%s: starting MailCA%s%n", store,
                    options.jar() == null ? "" : " from " + options.jar());
            var previousTrust = SSLContext.getDefault();
            try (var mailca = builder.start();
                    var answers = new Http01Answers(mailca.http01Port())) {
                // acme4j's HTTP client trusts what the JVM's default context trusts.
                SSLContext.setDefault(MailcaProcess.trusting(mailca.serviceCaPem()));
                var directory = URI.create(mailca.directoryUrl());
                var rows = new ArrayList<Row>();
                if (!options.warmup().isZero()) {
                    var warm = runRow(store, directory, answers, mailca.pid(), 4,
                            options.warmup(), 0, "mx-w");
                    out.printf("%s: warm-up, 4 clients, %.0f s: %d flows, %d failed%n", store,
                            warm.seconds(), warm.completed(), warm.failed());
                }
                var number = 0;
                for (var clients : options.clients()) {
                    number++;
                    var row = runRow(store, directory, answers, mailca.pid(), clients,
                            options.duration(), options.flowsPerClient(), "mx-r" + number);
                    out.printf("%s: %d clients: %d flows in %.1f s (%.1f/s), %d failed%n",
                            store, clients, row.completed(), row.seconds(), row.perSecond(),
                            row.failed());
                    rows.add(row);
                }
                var errors = mailca.log().lines().filter(l -> l.contains(" ERROR ")).count();
                out.printf("%s: %d ERROR lines in the server log (kept in %s)%n", store, errors,
                        keepLog(mailca, store));
                if (options.jfrDir() != null) {
                    dumpRecording(mailca, options.jfrDir().resolve("mailca-" + store + ".jfr"),
                            out);
                }
                return rows;
            } finally {
                SSLContext.setDefault(previousTrust);
            }
        } finally {
            if (postgres != null) {
                postgres.close();
            }
        }
    }

    /**
     * One row: registers {@code clients} accounts, then lets each client run flows until
     * {@code duration} is over (or, when {@code flowsPerClient} is positive, that many flows),
     * and counts. A flow started before the end is let finish.
     */
    static Row runRow(String store, URI directory, Http01Answers answers, long serverPid,
            int clients, Duration duration, int flowsPerClient, String prefix)
            throws IOException, InterruptedException {
        var pool = Executors.newFixedThreadPool(clients, runnable -> {
            var thread = new Thread(runnable, "bench-client");
            thread.setDaemon(true);
            return thread;
        });
        var registering = new ArrayList<Future<IssuanceClient>>();
        for (var i = 0; i < clients; i++) {
            var namePrefix = prefix + "-c" + i;
            registering.add(pool.submit(() -> IssuanceClient.register(directory, answers,
                    namePrefix, DOMAIN)));
        }
        var ready = new ArrayList<IssuanceClient>();
        for (var future : registering) {
            try {
                ready.add(future.get(2, TimeUnit.MINUTES));
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                pool.shutdownNow();
                throw new IllegalStateException("registering the benchmark accounts failed",
                        e);
            }
        }

        var peakReset = resetPeakRss(serverPid);
        var serverCpuBefore = cpuSeconds(serverPid);
        var clientCpuBefore = ownCpuSeconds();
        var stats = new FlowStats();
        var running = new AtomicInteger(clients);
        var start = System.nanoTime();
        var end = start + duration.toNanos();
        for (var client : ready) {
            pool.execute(() -> {
                try {
                    for (var n = 0; flowsPerClient > 0 ? n < flowsPerClient
                            : System.nanoTime() < end; n++) {
                        var began = System.nanoTime();
                        try {
                            client.issueOne();
                            stats.completed(System.nanoTime() - began);
                        } catch (IssuanceClient.FlowFailed e) {
                            stats.failed(e.getMessage());
                        } catch (RuntimeException e) {
                            stats.failed("client: " + e);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    running.decrementAndGet();
                }
            });
        }
        pool.shutdown();
        var budget = flowsPerClient > 0
                ? IssuanceClient.FLOW_TIMEOUT.multipliedBy(flowsPerClient)
                : duration.plus(IssuanceClient.FLOW_TIMEOUT);
        if (!pool.awaitTermination(budget.plusSeconds(30).toMillis(), TimeUnit.MILLISECONDS)) {
            for (var i = running.get(); i > 0; i--) {
                stats.failed("hung: client still inside a flow at the end of the row");
            }
            pool.shutdownNow();
        }
        var seconds = (System.nanoTime() - start) / 1e9;
        var peak = readStatusKib(serverPid, "VmHWM");
        return new Row(store, clients, seconds, stats.completedCount(), stats.failedCount(),
                stats.failures(), stats.percentileMillis(50), stats.percentileMillis(95),
                stats.percentileMillis(99), peakReset ? peak : -peak, loadAverage(),
                cpuSeconds(serverPid) - serverCpuBefore, ownCpuSeconds() - clientCpuBefore);
    }

    static void printTable(List<Row> rows, PrintStream out) {
        out.println("store       clients  seconds  completed  failed  flows/s"
                + "   p50 ms   p95 ms   p99 ms  peak RSS MiB  CPU ms/flow server client"
                + "  load (1/5/15 min)");
        for (var row : rows) {
            out.printf("%-10s %8d %8.1f %10d %7d %8.1f %8.0f %8.0f %8.0f %13s %18.0f %6.0f"
                    + "  %s%n",
                    row.store(), row.clients(), row.seconds(), row.completed(), row.failed(),
                    row.perSecond(), row.p50(), row.p95(), row.p99(),
                    row.peakRssKib() < 0 ? (-row.peakRssKib() / 1024) + "*"
                            : String.valueOf(row.peakRssKib() / 1024),
                    row.serverCpuMillisPerFlow(), row.clientCpuMillisPerFlow(), row.load());
        }
        for (var row : rows) {
            row.failures().forEach((reason, count) -> out.printf(
                    "failed: %s, %d clients: %d x %s%n", row.store(), row.clients(), count,
                    reason));
        }
        if (rows.stream().anyMatch(r -> r.peakRssKib() < 0)) {
            out.println("* peak since the server started (could not reset VmHWM)");
        }
    }

    private static void printMachine(PrintStream out) throws IOException {
        out.println("MailCA issuance benchmark (docs/benchmark.md)");
        out.printf("machine: %d cores (nproc), %s %s, %s; load average %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("os.version"), memTotal(), loadAverage());
        out.printf("java: %s %s (%s), for the server and the clients%n",
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                System.getProperty("java.home"));
    }

    /**
     * Writing 5 to {@code clear_refs} resets the peak resident set size (proc(5)), so that
     * each row's VmHWM is its own.
     */
    private static boolean resetPeakRss(long pid) {
        try {
            Files.writeString(Path.of("/proc", String.valueOf(pid), "clear_refs"), "5");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static long readStatusKib(long pid, String field) throws IOException {
        for (var line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException(field + " not in /proc/" + pid + "/status");
    }

    /**
     * User and system CPU time of a process, from {@code /proc/PID/stat} (proc(5): fields 14
     * and 15, in clock ticks of 1/100 s on Linux).
     */
    private static double cpuSeconds(long pid) throws IOException {
        var stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        // The command name (field 2) may hold spaces; count fields after its closing ')'.
        var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    private static double ownCpuSeconds() throws IOException {
        return cpuSeconds(ProcessHandle.current().pid());
    }

    private static String loadAverage() throws IOException {
        var fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + " " + fields[1] + " " + fields[2];
    }

    private static String memTotal() throws IOException {
        return Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(l -> l.startsWith("MemTotal:")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024 / 1024 + " GiB")
                .orElse("? GiB");
    }

    private static Path keepLog(MailcaProcess mailca, String store) throws IOException {
        var kept = Path.of("target", "bench", "mailca-" + store + ".log").toAbsolutePath();
        Files.createDirectories(kept.getParent());
        Files.writeString(kept, mailca.log());
        return kept;
    }

    private static void dumpRecording(MailcaProcess mailca, Path file, PrintStream out)
            throws IOException, InterruptedException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        var jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        var process = new ProcessBuilder(jcmd, String.valueOf(mailca.pid()), "JFR.dump",
                "name=bench", "filename=" + file.toAbsolutePath())
                .redirectErrorStream(true).start();
        var said = new String(process.getInputStream().readAllBytes());
        process.waitFor(60, TimeUnit.SECONDS);
        out.printf("JFR recording: %s (%s)%n", file.toAbsolutePath(),
                process.exitValue() == 0 ? "written" : said.strip());
    }
}
