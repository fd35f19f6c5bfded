package io.mailca.validation;

import java.util.Locale;
import java.util.regex.Pattern;

import org.apache.hc.core5.net.InetAddressUtils;

/** Syntax checks on the host names a validator is asked to contact. */
final class HostName {

    // LDH labels of 1..63 characters (RFC 1035 §2.3.1, RFC 1123 §2.1), no trailing dot.
    private static final Pattern LDH = Pattern.compile(
            "(?i)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private HostName() {
    }

    /** True for an IPv4 or IPv6 literal, with or without brackets. */
    static boolean isIpLiteral(String host) {
        var h = host.startsWith("[") && host.endsWith("]")
                ? host.substring(1, host.length() - 1) : host;
        return InetAddressUtils.isIPv4Address(h) || InetAddressUtils.isIPv6Address(h);
    }

    /**
     * True for a host name MailCA may validate: LDH labels, at most 253 characters, and a last
     * label that is not all digits (so that no IPv4 literal passes as a name).
     */
    static boolean isValid(String host) {
        if (host == null || host.isEmpty() || host.length() > 253 || isIpLiteral(host)
                || !LDH.matcher(host).matches()) {
            return false;
        }
        var last = host.substring(host.lastIndexOf('.') + 1);
        return !last.chars().allMatch(Character::isDigit);
    }

    static String normalize(String host) {
        return host.toLowerCase(Locale.ROOT);
    }
}
