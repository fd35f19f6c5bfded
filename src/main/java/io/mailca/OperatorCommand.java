package io.mailca;

import io.mailca.registration.Operator;
import io.mailca.registration.OperatorProblem;
import io.mailca.registration.Role;
import io.mailca.registration.TokenService;
import io.mailca.store.AuditLog;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.QuarkusApplication;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Operator commands that run beside the server on the same database: admin tokens and the
 * audit chain. A created token is printed once on standard output and stored as a hash only.
 * Exit codes: 0 done, 1 the audit chain is broken, 2 bad usage or a refusal.
 */
public class OperatorCommand implements QuarkusApplication {
    /** Set while an operator command runs, so that start-up creates no CA. */
    static final String RUNNING = "mailca.operator-command";
    static final String USAGE = """
            usage: mailca token create --role=viewer|operator|admin --name=NAME [--expires=P30D]
                   mailca token list
                   mailca token revoke --id=ID
                   mailca audit verify""";
    private static final Set<String> COMMANDS = Set.of("token", "audit");

    static boolean isCommand(String word) {
        return COMMANDS.contains(word);
    }

    @Override
    public int run(String... args) {
        try {
            var options = options(args);
            var what = args.length > 1 ? args[0] + " " + args[1] : String.join(" ", args);
            return switch (what) {
                case "token create" -> createToken(options);
                case "token list" -> listTokens();
                case "token revoke" -> revokeToken(options);
                case "audit verify" -> verifyAudit();
                default -> usage("unknown command: " + what);
            };
        } catch (OperatorProblem problem) {
            System.err.println("mailca: " + problem.detail());
            return 2;
        }
    }

    private static int createToken(Map<String, String> options) {
        var role = Role.ofWireName(options.getOrDefault("role", ""));
        if (role.isEmpty()) {
            return usage("--role must be viewer, operator or admin");
        }
        Duration validFor = null;
        if (options.containsKey("expires")) {
            try {
                validFor = Duration.parse(options.get("expires"));
            } catch (DateTimeParseException e) {
                return usage("--expires must be an ISO 8601 duration such as P30D");
            }
        }
        var created = tokens().create(cli(), role.get(), options.get("name"), validFor);
        System.err.printf("Created %s token %s (id %s)%s. It is shown once; keep it secret.%n",
                created.info().role().wireName(), created.info().name(), created.info().id(),
                created.info().expiresAt() == null ? ""
                        : ", valid until " + created.info().expiresAt());
        System.out.println(created.token());
        return 0;
    }

    private static int listTokens() {
        var page = tokens().list(0, 1000);
        for (var t : page.items()) {
            System.out.printf("%s\t%s\t%s\t%s\t%s%n", t.id(), t.role().wireName(), t.name(),
                    t.expiresAt() == null ? "-" : t.expiresAt(),
                    t.revokedAt() == null ? "active" : "revoked " + t.revokedAt());
        }
        return 0;
    }

    private static int revokeToken(Map<String, String> options) {
        if (!options.containsKey("id")) {
            return usage("token revoke needs --id=ID");
        }
        var revoked = tokens().revoke(cli(), options.get("id"));
        System.out.println("revoked " + revoked.id());
        return 0;
    }

    private static int verifyAudit() {
        var result = Arc.container().instance(AuditLog.class).get().verify();
        if (result.intact()) {
            System.out.printf("audit chain intact: %d events%s%n", result.checked(),
                    result.unchained() == 0 ? ""
                            : " (" + result.unchained() + " older events before the chain)");
            return 0;
        }
        System.out.printf("audit chain BROKEN at event %s: %s%n", result.brokenAt(),
                result.problem());
        return 1;
    }

    private static TokenService tokens() {
        return Arc.container().instance(TokenService.class).get();
    }

    /** The command line acts as an admin: whoever runs it can read the database anyway. */
    private static Operator cli() {
        return new Operator("cli:" + System.getProperty("user.name", "unknown"), Role.ADMIN);
    }

    private static Map<String, String> options(String... args) {
        var options = new HashMap<String, String>();
        for (var arg : args) {
            if (arg.startsWith("--") && arg.contains("=")) {
                var eq = arg.indexOf('=');
                options.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else if (arg.startsWith("--")) {
                throw OperatorProblem.badRequest("option " + arg + " needs a value (--name=value)");
            }
        }
        return options;
    }

    private static int usage(String problem) {
        System.err.println("mailca: " + problem);
        System.err.println(USAGE);
        return 2;
    }
}
