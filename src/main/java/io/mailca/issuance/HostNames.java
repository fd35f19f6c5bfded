package io.mailca.issuance;

import java.util.Locale;

/**
 * The host name syntax certificates are issued for: fully qualified names in the preferred
 * name syntax of RFC 1034 §3.5 as relaxed by RFC 1123 §2.1 (labels may start with a digit),
 * written as A-labels (RFC 5890 §2.3.2.1), without a trailing dot. A wildcard may only be the
 * whole leftmost label ({@code *.pool.example.com}, RFC 6125 §6.4.3); whether one is certified
 * at all is the policy's decision, taken at newOrder (mailca.policy.host-patterns).
 */
final class HostNames {
    private static final int MAX_NAME = 253;
    private static final int MAX_LABEL = 63;

    private HostNames() {
    }

    /**
     * The name in lower case.
     *
     * @throws IllegalArgumentException with a reason a client can act on
     */
    static String check(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("empty name");
        }
        var lower = name.toLowerCase(Locale.ROOT);
        var quoted = "\"" + printable(name) + "\"";
        if (lower.length() > MAX_NAME) {
            throw new IllegalArgumentException(quoted + " is longer than 253 characters");
        }
        var base = lower.startsWith("*.") ? lower.substring(2) : lower;
        if (base.contains("*")) {
            throw new IllegalArgumentException(quoted
                    + " has a wildcard other than a whole leftmost label");
        }
        if (lower.endsWith(".")) {
            throw new IllegalArgumentException(quoted + " ends with a dot");
        }
        var labels = base.split("\\.", -1);
        if (labels.length < 2) {
            throw new IllegalArgumentException(quoted + " is not a fully qualified domain name");
        }
        for (var label : labels) {
            checkLabel(label, quoted);
        }
        // A name ending in a numeric label reads as an IP address to too much software.
        if (labels[labels.length - 1].chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(quoted + " ends in a numeric label");
        }
        return lower;
    }

    private static void checkLabel(String label, String quoted) {
        if (label.isEmpty()) {
            throw new IllegalArgumentException(quoted + " has an empty label");
        }
        if (label.length() > MAX_LABEL) {
            throw new IllegalArgumentException(quoted + " has a label longer than 63 characters");
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            boolean ldh = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
            if (!ldh) {
                throw new IllegalArgumentException(quoted + " contains '" + printable(
                        String.valueOf(c)) + "'; only letters, digits and hyphens are allowed"
                        + " (write internationalized names as xn-- A-labels)");
            }
        }
        if (label.startsWith("-") || label.endsWith("-")) {
            throw new IllegalArgumentException(quoted + " has a label starting or ending with"
                    + " a hyphen");
        }
    }

    /** Keeps control characters out of messages that reach clients and logs. */
    private static String printable(String text) {
        var out = new StringBuilder();
        text.codePoints().limit(100).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
