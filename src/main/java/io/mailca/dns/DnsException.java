package io.mailca.dns;

import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * A DNS lookup that produced no usable answer. {@link #kind()} says why in terms a caller can
 * branch on, and {@link #getMessage()} is a sentence that may be shown to an ACME client as the
 * detail of a {@code dns} problem (RFC 8555 §6.7): it names the queried name and type, never a
 * class name or a resolver address.
 */
public final class DnsException extends Exception {

    /** Why the lookup failed. */
    public enum Kind {
        /** The name does not exist (RCODE 3, RFC 1035 §4.1.1). */
        NXDOMAIN,
        /** The resolver could not get an answer (RCODE 2): broken or unreachable nameservers. */
        SERVFAIL,
        /** Any other error RCODE, such as REFUSED. */
        ERROR_RCODE,
        /** No answer within the configured timeout. */
        TIMEOUT,
        /** The query could not be sent or the reply could not be read. */
        NETWORK,
        /** A CNAME chain that comes back to a name it already visited (RFC 1034 §3.6.2). */
        CNAME_LOOP,
        /** A CNAME chain longer than {@link DnsClient#MAX_CNAMES}. */
        CNAME_CHAIN_TOO_LONG,
        /** The name given is not a syntactically valid domain name. */
        INVALID_NAME
    }

    private static final long serialVersionUID = 1L;

    private final Kind kind;
    private final String name;
    private final int type;

    DnsException(Kind kind, String name, int type, String detail, Throwable cause) {
        super(detail, cause);
        this.kind = kind;
        this.name = name;
        this.type = type;
    }

    static DnsException forRcode(int rcode, String name, int type) {
        var what = Rcode.string(rcode) + " looking up " + Type.string(type) + " for " + name;
        return switch (rcode) {
            case Rcode.NXDOMAIN -> new DnsException(Kind.NXDOMAIN, name, type,
                    "DNS problem: " + what + " - check that a DNS record exists for this name",
                    null);
            case Rcode.SERVFAIL -> new DnsException(Kind.SERVFAIL, name, type,
                    "DNS problem: " + what + " - the name's nameservers may be malfunctioning",
                    null);
            default -> new DnsException(Kind.ERROR_RCODE, name, type, "DNS problem: " + what,
                    null);
        };
    }

    static DnsException timeout(String name, int type, Throwable cause) {
        return new DnsException(Kind.TIMEOUT, name, type, "DNS problem: query timed out looking up "
                + Type.string(type) + " for " + name, cause);
    }

    static DnsException network(String name, int type, Throwable cause) {
        return new DnsException(Kind.NETWORK, name, type,
                "DNS problem: networking error looking up " + Type.string(type) + " for " + name,
                cause);
    }

    static DnsException cnameLoop(String name, int type, String at) {
        return new DnsException(Kind.CNAME_LOOP, name, type, "DNS problem: CNAME loop at " + at
                + " looking up " + Type.string(type) + " for " + name, null);
    }

    static DnsException cnameChainTooLong(String name, int type) {
        return new DnsException(Kind.CNAME_CHAIN_TOO_LONG, name, type, "DNS problem: more than "
                + DnsClient.MAX_CNAMES + " CNAMEs looking up " + Type.string(type) + " for " + name,
                null);
    }

    static DnsException invalidName(String name, int type, Throwable cause) {
        return new DnsException(Kind.INVALID_NAME, name, type,
                "\"" + name + "\" is not a valid domain name", cause);
    }

    /** Why the lookup failed. */
    public Kind kind() {
        return kind;
    }

    /** The name that was asked for, as the caller gave it (before any CNAME). */
    public String name() {
        return name;
    }

    /** The record type that was asked for ({@link Type} constant). */
    public int type() {
        return type;
    }
}
