package io.mailca.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ACME client matrix: what each real client did against MailCA in this test run. Each
 * end-to-end test records its rows in {@code target/client-matrix/ROW.txt}; {@link
 * #writeDocs()} then rewrites the table in {@code docs/clients.md} between its two markers from
 * every row recorded so far, so whichever test class runs last leaves the whole table.
 *
 * <p>A cell is {@code pass}, {@code FAIL}, {@code not supported: WHY} for what the client cannot
 * do, or {@code not reached} when an earlier step of the row failed. Nothing is skipped
 * silently: a row that no test recorded shows {@code not run}.
 */
final class ClientMatrix {
    static final String BEGIN = "<!-- client-matrix:begin (written by the test run) -->";
    static final String END = "<!-- client-matrix:end -->";
    static final List<String> STEPS = List.of("obtain", "renew", "revoke");

    private static final Path RESULTS = Path.of("target", "client-matrix");
    private static final Path DOC = Path.of("docs", "clients.md");

    /**
     * Every row the matrix has, in table order: client, challenge; a row that no test
     * recorded in this run shows {@code not run}.
     */
    private static final List<List<String>> ROWS = List.of(
            List.of("certbot", "http-01 standalone"),
            List.of("certbot", "dns-01 manual hook"),
            List.of("certbot", "tls-alpn-01"),
            List.of("lego", "http-01"),
            List.of("lego", "dns-01 rfc2136"),
            List.of("lego", "tls-alpn-01"),
            List.of("dehydrated", "http-01 hook"),
            List.of("uacme", "http-01 hook"),
            List.of("Go x/crypto/acme", "http-01"));

    /** Rows no test can run, because the client lacks the challenge type: why. */
    private static final Map<List<String>, String> UNSUPPORTED = Map.of(
            List.of("certbot", "tls-alpn-01"), "certbot 2.1 has no tls-alpn-01 authenticator");

    private final String client;
    private final String challenge;
    private final Map<String, String> cells = new LinkedHashMap<>();

    private ClientMatrix(String client, String challenge) {
        this.client = client;
        this.challenge = challenge;
    }

    /** A row for one client and challenge; record each step, then {@link #save()}. */
    static ClientMatrix row(String client, String challenge) {
        if (!ROWS.contains(List.of(client, challenge))) {
            throw new IllegalArgumentException("no matrix row " + client + " / " + challenge);
        }
        return new ClientMatrix(client, challenge);
    }

    /** Runs one step and records pass or FAIL; a failure is rethrown after recording. */
    void step(String step, Runnable body) {
        if (cells.containsValue("FAIL")) {
            cells.put(step, "not reached");
            save();
            return;
        }
        try {
            body.run();
            cells.put(step, "pass");
        } catch (RuntimeException | AssertionError e) {
            cells.put(step, "FAIL");
            save();
            throw e;
        }
        save();
    }

    /** Records a step that passed, for tests that do not run their steps through {@link #step}. */
    void passed(String step) {
        cells.put(step, "pass");
        save();
    }

    /** Records that the first step not yet recorded failed: call it when the test fails. */
    void failed() {
        STEPS.stream().filter(step -> !cells.containsKey(step)).findFirst()
                .ifPresent(step -> cells.put(step, "FAIL"));
        save();
    }

    /** Records a step the client cannot do, and why. */
    void unsupported(String step, String why) {
        cells.put(step, "not supported: " + why);
        save();
    }

    /** Writes the row to {@code target/client-matrix/}. */
    void save() {
        var text = new StringBuilder(client + "\n" + challenge + "\n");
        for (var step : STEPS) {
            text.append(step).append('=').append(cells.getOrDefault(step, "not reached"))
                    .append('\n');
        }
        try {
            Files.createDirectories(RESULTS);
            Files.writeString(RESULTS.resolve(fileName()), text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String fileName() {
        return (client + "-" + challenge).replaceAll("[^A-Za-z0-9]+", "-") + ".txt";
    }

    /** Rewrites the table in docs/clients.md from every row recorded under target/. */
    static synchronized void writeDocs() {
        try {
            var recorded = new TreeMap<List<String>, Map<String, String>>(
                    (a, b) -> Integer.compare(ROWS.indexOf(a), ROWS.indexOf(b)));
            if (Files.isDirectory(RESULTS)) {
                try (var files = Files.list(RESULTS)) {
                    for (var file : files.filter(f -> f.toString().endsWith(".txt")).toList()) {
                        var lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                        var key = List.of(lines.get(0), lines.get(1));
                        if (!ROWS.contains(key)) {
                            continue;
                        }
                        var cells = new LinkedHashMap<String, String>();
                        for (var line : lines.subList(2, lines.size())) {
                            var eq = line.indexOf('=');
                            cells.put(line.substring(0, eq), line.substring(eq + 1));
                        }
                        recorded.put(key, cells);
                    }
                }
            }
            var table = new StringBuilder("| client | challenge | obtain | renew | revoke |\n"
                    + "| --- | --- | --- | --- | --- |\n");
            for (var row : ROWS) {
                var cells = recorded.getOrDefault(row, Map.of());
                var line = new ArrayList<>(row);
                for (var step : STEPS) {
                    if (!UNSUPPORTED.containsKey(row)) {
                        line.add(cells.getOrDefault(step, "not run"));
                    } else {
                        // The reason once, in the first cell, keeps the table readable.
                        line.add(step.equals(STEPS.get(0))
                                ? "not supported: " + UNSUPPORTED.get(row) : "not supported");
                    }
                }
                table.append("| ").append(String.join(" | ", line)).append(" |\n");
            }
            var doc = Files.readString(DOC, StandardCharsets.UTF_8);
            var begin = doc.indexOf(BEGIN);
            var end = doc.indexOf(END);
            if (begin < 0 || end < begin) {
                throw new IllegalStateException(DOC + " lacks the client-matrix markers");
            }
            var updated = doc.substring(0, begin + BEGIN.length()) + "\n" + table
                    + doc.substring(end);
            if (!updated.equals(doc)) {
                Files.writeString(DOC, updated, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
