package io.mailca.dane;

import java.util.Locale;

/**
 * Mail services and their standard ports, with how TLS starts on each: STARTTLS (RFC 3207,
 * RFC 3501 §6.2.1, RFC 2595 §4) or TLS from the first byte (RFC 8314 §3). A host may run a
 * service on another port ({@link ServicePort}); TLS starts there the same way.
 */
public enum MailService {
    SMTP(25, Start.SMTP),
    SUBMISSION(587, Start.SMTP),
    SUBMISSIONS(465, Start.IMPLICIT),
    IMAP(143, Start.IMAP),
    IMAPS(993, Start.IMPLICIT),
    POP3(110, Start.POP3),
    POP3S(995, Start.IMPLICIT);

    /** How a client reaches TLS on the service's port. */
    public enum Start { SMTP, IMAP, POP3, IMPLICIT }

    private final int port;
    private final Start start;

    MailService(int port, Start start) {
        this.port = port;
        this.start = start;
    }

    /** The service's standard port, as IANA registers it. */
    public int port() {
        return port;
    }

    public Start start() {
        return start;
    }

    /** The service of a configured name, such as {@code submission}. */
    public static MailService named(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown mail service '" + name
                    + "'; use smtp, submission, submissions, imap, imaps, pop3 or pop3s", e);
        }
    }

    /** The service on a well-known port. */
    public static MailService onPort(int port) {
        for (var service : values()) {
            if (service.port == port) {
                return service;
            }
        }
        throw new IllegalArgumentException("no mail service on port " + port);
    }

    /** The TLSA owner name of this service on {@code host} at its standard port. */
    public String owner(String host) {
        return "_" + port + "._tcp." + host;
    }
}
