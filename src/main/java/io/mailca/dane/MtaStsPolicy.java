package io.mailca.dane;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An MTA-STS policy (RFC 8461 §3.2): its mode, and the MX patterns it names. Senders that
 * find a policy in {@code enforce} mode deliver only to MX hosts whose certificate they
 * validate through the WebPKI (RFC 8461 §4.2), which a MailCA certificate is not.
 */
public record MtaStsPolicy(Mode mode, List<String> mx) {

    /** The policy's {@code mode} (RFC 8461 §5). */
    public enum Mode {
        /** Senders refuse to deliver to an MX host that fails validation. */
        ENFORCE,
        /** Senders deliver anyway and report failures (TLSRPT, RFC 8460). */
        TESTING,
        /** The domain withdraws its policy. */
        NONE;

        /** The mode's name as the policy writes it: {@code enforce}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    // RFC 8461 §3.1: sts-id = 1*32(ALPHA / DIGIT).
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9]{1,32}");

    public MtaStsPolicy {
        mx = List.copyOf(mx);
    }

    /**
     * The {@code id} of the TXT record at {@code _mta-sts.DOMAIN} (RFC 8461 §3.1): records that
     * do not begin with {@code v=STSv1} are discarded, and unless exactly one well-formed record
     * remains, the domain has no MTA-STS policy (empty).
     */
    public static Optional<String> txtId(List<String> records) {
        var sts = records.stream().filter(r -> r.startsWith("v=STSv1")).toList();
        if (sts.size() != 1) {
            return Optional.empty();
        }
        var fields = sts.get(0).split(";", -1);
        if (!fields[0].strip().equals("v=STSv1") || fields.length < 2) {
            return Optional.empty();
        }
        String id = null;
        for (var i = 1; i < fields.length; i++) {
            var field = fields[i].strip();
            if (field.isEmpty() && i == fields.length - 1) {
                break;
            }
            var equals = field.indexOf('=');
            if (equals < 1) {
                return Optional.empty();
            }
            if (field.substring(0, equals).equals("id")) {
                id = field.substring(equals + 1);
            }
        }
        return id != null && ID.matcher(id).matches() ? Optional.of(id) : Optional.empty();
    }

    /**
     * Parses a policy file (RFC 8461 §3.2): {@code key: value} lines ended by LF or CRLF,
     * {@code version: STSv1} and a {@code mode} required, unknown keys ignored.
     *
     * @throws IllegalArgumentException for a policy that is not valid, with the reason
     */
    public static MtaStsPolicy parse(String text) {
        String version = null;
        Mode mode = null;
        var mx = new ArrayList<String>();
        for (var line : text.split("\r?\n")) {
            if (line.isBlank()) {
                continue;
            }
            var colon = line.indexOf(':');
            if (colon < 1) {
                throw new IllegalArgumentException("policy line is not 'key: value': '"
                        + shorten(line) + "'");
            }
            var key = line.substring(0, colon).strip();
            var value = line.substring(colon + 1).strip();
            switch (key) {
                case "version" -> version = value;
                case "mode" -> mode = switch (value) {
                    case "enforce" -> Mode.ENFORCE;
                    case "testing" -> Mode.TESTING;
                    case "none" -> Mode.NONE;
                    default -> throw new IllegalArgumentException("policy mode '"
                            + shorten(value) + "' is not enforce, testing or none");
                };
                case "mx" -> mx.add(value);
                default -> {
                    // RFC 8461 §3.2: fields a sender does not know are ignored.
                }
            }
        }
        if (!"STSv1".equals(version)) {
            throw new IllegalArgumentException(version == null ? "policy has no version"
                    : "policy version '" + shorten(version) + "' is not STSv1");
        }
        if (mode == null) {
            throw new IllegalArgumentException("policy has no mode");
        }
        return new MtaStsPolicy(mode, mx);
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
