package io.mailca.policy;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The names one ACME account may get certified, on top of the global policy: a list of host
 * names and name globs such as {@code mx-k8s-*.example.com}, stored with the account
 * ({@code account.name_scope}) and copied from the External Account Binding key that created it.
 * A {@code *} stands for letters, digits and hyphens within one label and never crosses a dot.
 * A wildcard identifier ({@code *.pool.example.com}) is in scope only when the scope lists it
 * exactly.
 */
public final class NameScope {
    private static final NameScope UNRESTRICTED = new NameScope(List.of());

    private final List<String> entries;
    private final List<Pattern> globs;

    private NameScope(List<String> entries) {
        this.entries = entries;
        this.globs = entries.stream().map(NameScope::glob).toList();
    }

    /** The scope of an account without restriction (a {@code null} column). */
    public static NameScope unrestricted() {
        return UNRESTRICTED;
    }

    /**
     * Parses the comma-separated form stored in {@code account.name_scope}; {@code null} or
     * blank means unrestricted.
     */
    public static NameScope parse(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            return UNRESTRICTED;
        }
        var entries = Arrays.stream(commaSeparated.split(","))
                .map(s -> s.trim().toLowerCase(Locale.ROOT))
                .map(s -> s.endsWith(".") ? s.substring(0, s.length() - 1) : s)
                .filter(s -> !s.isEmpty())
                .distinct()
                .toList();
        return entries.isEmpty() ? UNRESTRICTED : new NameScope(entries);
    }

    public boolean restricted() {
        return !entries.isEmpty();
    }

    /** The entries, lower case, in the order given. */
    public List<String> entries() {
        return entries;
    }

    /** Whether a normalised name (lower case, no trailing dot) lies in this scope. */
    public boolean covers(String name) {
        if (!restricted()) {
            return true;
        }
        if (name.startsWith("*.")) {
            return entries.contains(name);
        }
        return globs.stream().anyMatch(g -> g.matcher(name).matches());
    }

    @Override
    public String toString() {
        return restricted() ? String.join(",", entries) : "unrestricted";
    }

    /** A glob over a whole name; {@code *} matches LDH characters within one label. */
    static Pattern glob(String glob) {
        var regex = new StringBuilder();
        for (var c : glob.toLowerCase(Locale.ROOT).toCharArray()) {
            regex.append(c == '*' ? "[a-z0-9-]*" : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(regex.toString());
    }
}
