package io.mailca.policy;

import java.net.IDN;
import java.util.Locale;
import java.util.Optional;

/**
 * Syntax of DNS host names as MailCA accepts them: LDH labels (RFC 1123 §2.1), A-labels that
 * decode (RFC 5890 §2.3.2.1), at most 253 octets, no trailing dot, no wildcard.
 */
public final class HostNames {
    private HostNames() {
    }

    /** Returns why the name is not an acceptable host name, or empty when it is. */
    public static Optional<String> syntaxError(String name) {
        if (name.isEmpty()) {
            return Optional.of("empty name");
        }
        if (name.endsWith(".")) {
            return Optional.of("a trailing dot is not allowed; give the name without it");
        }
        if (name.length() > 253) {
            return Optional.of("longer than 253 characters");
        }
        var labels = name.split("\\.", -1);
        if (labels.length < 2) {
            return Optional.of("not a fully qualified domain name");
        }
        for (var label : labels) {
            var error = labelError(label);
            if (error.isPresent()) {
                return error;
            }
        }
        return Optional.empty();
    }

    /** The lower-case form of a name that passed {@link #syntaxError}. */
    public static String normalize(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    private static Optional<String> labelError(String label) {
        if (label.isEmpty()) {
            return Optional.of("empty label");
        }
        if (label.length() > 63) {
            return Optional.of("label longer than 63 characters");
        }
        for (int i = 0; i < label.length(); i++) {
            var c = label.charAt(i);
            var ldh = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-';
            if (!ldh) {
                if (c == '*') {
                    return Optional.of("wildcard names are not issued");
                }
                return Optional.of(c > 127
                        ? "contains non-ASCII characters; use the A-label (xn--) form"
                        : "contains a character other than letters, digits and hyphens");
            }
        }
        if (label.startsWith("-") || label.endsWith("-")) {
            return Optional.of("label '" + label + "' starts or ends with a hyphen");
        }
        var lower = label.toLowerCase(Locale.ROOT);
        if (lower.length() >= 4 && lower.charAt(2) == '-' && lower.charAt(3) == '-') {
            if (!lower.startsWith("xn--")) {
                return Optional.of("label '" + label + "' has hyphens in positions 3 and 4"
                        + " but is not an A-label");
            }
            return aLabelError(lower);
        }
        return Optional.empty();
    }

    private static Optional<String> aLabelError(String label) {
        String unicode;
        try {
            unicode = IDN.toUnicode(label, IDN.USE_STD3_ASCII_RULES);
        } catch (IllegalArgumentException e) {
            unicode = label;
        }
        // IDN.toUnicode hands back its input when the Punycode does not decode.
        var decoded = !unicode.equalsIgnoreCase(label);
        var roundTrips = decoded && roundTrip(unicode).equals(label);
        if (!roundTrips) {
            return Optional.of("'" + label + "' is not a valid A-label");
        }
        // java.net.IDN follows IDNA2003; IDNA2008 (RFC 5892 §2.1) allows letters, digits,
        // marks and the hyphen only, which rules out symbols and punctuation IDNA2003 let in.
        var bad = unicode.codePoints().filter(c -> c != '-' && !letterDigit(c)).findFirst();
        if (bad.isPresent()) {
            return Optional.of("'" + label + "' decodes to U+"
                    + String.format("%04X", bad.getAsInt())
                    + ", which IDNA2008 does not allow in a host name");
        }
        return Optional.empty();
    }

    private static boolean letterDigit(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.LOWERCASE_LETTER, Character.UPPERCASE_LETTER,
                    Character.OTHER_LETTER, Character.MODIFIER_LETTER,
                    Character.DECIMAL_DIGIT_NUMBER, Character.NON_SPACING_MARK,
                    Character.COMBINING_SPACING_MARK -> true;
            default -> false;
        };
    }

    private static String roundTrip(String unicode) {
        try {
            return IDN.toASCII(unicode, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }
}
