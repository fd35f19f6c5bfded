package io.mailca.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external program to completion (a real ACME client, {@code openssl}) with a timeout,
 * stdin closed so that no prompt can hang a test, and stdout and stderr captured together.
 */
record Command(List<String> argv, Map<String, String> env, Duration timeout) {

    /**
     * What a finished program left: its exit code, everything it printed, and diagnostics (such
     * as the program's own log file) that only failure messages show.
     */
    record Result(List<String> argv, int exitCode, String output, String diagnostics) {

        /** Fails with the full output unless the program exited 0; returns this otherwise. */
        Result assertSuccess() {
            if (exitCode != 0) {
                throw new AssertionError(describe("expected exit 0"));
            }
            return this;
        }

        String describe(String expectation) {
            return expectation + ", got exit " + exitCode + " from " + String.join(" ", argv)
                    + "\n---- output ----\n" + output + "\n---- end of output ----"
                    + (diagnostics.isEmpty() ? "" : "\n" + diagnostics);
        }
    }

    static Command of(Duration timeout, String... argv) {
        return new Command(List.of(argv), Map.of(), timeout);
    }

    Result run() {
        Path output = null;
        try {
            output = Files.createTempFile("mailca-cmd-", ".out");
            var builder = new ProcessBuilder(argv)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(Redirect.from(new java.io.File("/dev/null")));
            builder.environment().putAll(env);
            var process = builder.start();
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + timeout + ": "
                        + String.join(" ", argv) + "\n---- output ----\n"
                        + Files.readString(output));
            }
            return new Result(argv, process.exitValue(), Files.readString(output), "");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + argv.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (output != null) {
                output.toFile().delete();
            }
        }
    }
}
