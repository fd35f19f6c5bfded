package io.mailca;

import io.mailca.issuance.ServiceTls;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;

/**
 * The {@code mailca} command.
 *
 * <pre>
 *   mailca [serve] [--domains=example.com,example.net] [--data-dir=DIR]
 *   mailca init-ca [--domains=...] [--data-dir=DIR]
 *   mailca token create --role=viewer|operator|admin --name=NAME [--expires=P30D]
 *   mailca token list | mailca token revoke --id=ID
 *   mailca audit verify
 * </pre>
 *
 * {@code serve} (the default) creates the CA on first start and serves ACME; {@code init-ca}
 * creates the CA and exits, for deployments that prefer an explicit init step. Flags are
 * shorthands for the {@code mailca.domains} and {@code mailca.data-dir} settings. The
 * {@code token} and {@code audit} commands are {@link OperatorCommand}s; they work while the
 * server runs, also on the embedded store.
 */
@QuarkusMain
public class Main {
    private static final String DEFAULT_HTTPS_NAMES = "localhost,127.0.0.1,::1";

    /** Set while {@code init-ca} runs, so start-up does not announce serving URLs. */
    static final String INIT_CA = "mailca.init-ca";

    public static void main(String... args) {
        var command = "serve";
        var commandArgs = new java.util.ArrayList<String>();
        for (var arg : args) {
            if (OperatorCommand.isCommand(command) && !arg.startsWith("--data-dir=")) {
                commandArgs.add(arg);
            } else if (OperatorCommand.isCommand(arg)) {
                command = arg;
                commandArgs.add(arg);
            } else if (arg.startsWith("--domains=")) {
                System.setProperty("mailca.domains", arg.substring("--domains=".length()));
            } else if (arg.startsWith("--data-dir=")) {
                System.setProperty("mailca.data-dir", arg.substring("--data-dir=".length()));
            } else if (arg.equals("serve") || arg.equals("init-ca")) {
                command = arg;
            } else if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println("usage: mailca [serve|init-ca] [--domains=D1,D2]"
                        + " [--data-dir=DIR]\n" + OperatorCommand.USAGE);
                return;
            } else {
                System.err.println("mailca: unknown argument " + arg + " (try --help)");
                System.exit(2);
            }
        }

        // The embedded store's mixed mode serves other local processes (the token command)
        // over TCP; only loopback may reach it. H2 reads this once, before its first use.
        if (System.getProperty("h2.bindAddress") == null) {
            System.setProperty("h2.bindAddress", "127.0.0.1");
        }

        // MailCA's own HTTPS certificate must exist before the HTTPS listener starts, and it
        // comes from the separate service issuer, never from the corporate root.
        var dataDir = Path.of(setting("mailca.data-dir", "./data"));
        var names = Arrays.stream(setting("mailca.https.names", DEFAULT_HTTPS_NAMES).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        try {
            ServiceTls.ensure(dataDir.resolve("https"), names, Clock.systemUTC());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the HTTPS service certificate", e);
        }

        if (OperatorCommand.isCommand(command)) {
            // A short-lived process beside the server: no listener of its own, no CA
            // creation, and only the command's answer on standard output.
            System.setProperty("quarkus.http.port", "0");
            System.setProperty("quarkus.http.ssl-port", "0");
            System.setProperty("quarkus.log.console.stderr", "true");
            System.setProperty("quarkus.log.level", "WARN");
            System.setProperty(OperatorCommand.RUNNING, "true");
            Quarkus.run(OperatorCommand.class, (code, failure) -> {
                if (failure != null) {
                    System.err.println("mailca: " + failure.getMessage());
                }
                System.exit(code);
            }, commandArgs.toArray(String[]::new));
        } else if (command.equals("init-ca")) {
            // The CA is created during start-up; meanwhile listen on loopback ports nobody
            // uses, and run none of the server's background jobs.
            System.setProperty(INIT_CA, "true");
            System.setProperty("quarkus.http.port", "0");
            System.setProperty("quarkus.http.ssl-port", "0");
            System.setProperty("quarkus.http.host", "127.0.0.1");
            System.setProperty("quarkus.scheduler.enabled", "false");
            Quarkus.run(InitCa.class, args);
        } else {
            Quarkus.run(Serve.class, args);
        }
    }

    /** A setting read before Quarkus starts: system property, then environment, then default. */
    private static String setting(String name, String fallback) {
        var property = System.getProperty(name);
        if (property != null && !property.isBlank()) {
            return property;
        }
        var env = System.getenv(name.toUpperCase().replace('.', '_').replace('-', '_'));
        return env != null && !env.isBlank() ? env : fallback;
    }

    /** Serves until stopped. */
    public static class Serve implements QuarkusApplication {
        @Override
        public int run(String... args) {
            Quarkus.waitForExit();
            return 0;
        }
    }

    /** Exits once start-up has created (or found) the CA. */
    public static class InitCa implements QuarkusApplication {
        @Override
        public int run(String... args) {
            return 0;
        }
    }
}
