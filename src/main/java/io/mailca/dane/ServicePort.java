package io.mailca.dane;

import java.util.Locale;

/**
 * A mail service of a host and the port clients connect to for it. The TLSA owner name is
 * {@code _PORT._tcp.HOST} with that port (RFC 6698 §3); a client that follows an SRV record
 * connects to the SRV port, so an SRV record at another port than the service's standard one
 * gives that port (RFC 7673 §3). The service says how TLS starts there ({@link MailService}).
 *
 * <p>SMTP is always port 25: a sending MTA connects to an MX host on port 25 and looks up
 * TLSA at {@code _25._tcp} (RFC 7672 §2.2), whatever port the server also listens on.
 */
public record ServicePort(MailService service, int port) {

    public ServicePort {
        if (service == null) {
            throw new IllegalArgumentException("no mail service");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " of "
                    + service.name().toLowerCase(Locale.ROOT) + " is not in 1-65535");
        }
        if (service == MailService.SMTP && port != MailService.SMTP.port()) {
            throw new IllegalArgumentException("smtp is always port 25: sending MTAs connect"
                    + " to an MX host on port 25 (RFC 7672 §2.2); use the probe's"
                    + " port-override for a forwarded port");
        }
    }

    /** The service on its standard port: {@code imaps} on 993. */
    public static ServicePort of(MailService service) {
        return new ServicePort(service, service.port());
    }

    /**
     * A configured service: {@code imaps} (its standard port) or {@code imaps:9993}.
     *
     * @throws IllegalArgumentException for an unknown service or a bad port, saying which
     */
    public static ServicePort parse(String text) {
        var trimmed = text.trim();
        var colon = trimmed.indexOf(':');
        if (colon < 0) {
            return of(MailService.named(trimmed));
        }
        var service = MailService.named(trimmed.substring(0, colon));
        var digits = trimmed.substring(colon + 1).trim();
        if (!digits.matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("'" + text + "': the port after ':' must be a"
                    + " number in 1-65535");
        }
        return new ServicePort(service, Integer.parseInt(digits));
    }

    /** The service's name as configured and recorded: {@code imaps}. */
    public String name() {
        return service.name().toLowerCase(Locale.ROOT);
    }

    /** True when the port is the service's standard one. */
    public boolean standard() {
        return port == service.port();
    }

    /** The TLSA owner name on {@code host}: {@code _PORT._tcp.HOST}. */
    public String owner(String host) {
        return "_" + port + "._tcp." + host;
    }

    /** The configuration form: {@code imaps}, or {@code imaps:9993} at another port. */
    @Override
    public String toString() {
        return standard() ? name() : name() + ":" + port;
    }
}
