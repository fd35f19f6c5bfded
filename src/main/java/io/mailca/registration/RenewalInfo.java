package io.mailca.registration;

import io.mailca.issuance.AuthorityKeyIds;
import io.mailca.store.Account;
import io.mailca.store.AuditLog;
import io.mailca.store.Authorities;
import io.mailca.store.Certificates;
import io.mailca.store.IssuedCertificate;
import io.mailca.store.Orders;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * ACME Renewal Information (RFC 9773): the suggested renewal window of a certificate, the
 * {@code replaces} check of newOrder, and the operator's way to move windows earlier (a CA key
 * rollover, a mass revocation).
 *
 * <p>The default window starts at two thirds of the certificate's lifetime and ends at five
 * sixths (day 60 to day 75 of a 90-day certificate): the last sixth is left for the mail
 * server to deploy the new key and for DANE records to follow it. A revoked certificate's
 * window is the minute after its revocation, so clients renew at once.
 */
@ApplicationScoped
public class RenewalInfo {
    private final Certificates certificates;
    private final Orders orders;
    private final AuditLog audit;
    private final Authorities authorities;
    private final Clock clock;
    private final Duration retryAfter;

    RenewalInfo(Certificates certificates, Orders orders, AuditLog audit,
            Authorities authorities, Clock clock,
            @ConfigProperty(name = "mailca.acme.renewal-info.retry-after",
                    defaultValue = "PT6H") Duration retryAfter) {
        this.certificates = certificates;
        this.orders = orders;
        this.audit = audit;
        this.authorities = authorities;
        this.clock = clock;
        this.retryAfter = retryAfter;
    }

    /**
     * RFC 9773 §4.1: base64url of the AKI keyIdentifier, a dot, base64url of the serial's DER
     * content octets (with the leading zero a positive serial needs when its top bit is set).
     */
    public record CertId(byte[] keyIdentifier, BigInteger serial) {
        /** Parses a certID, or fails with a {@code malformed} problem saying what is wrong. */
        public static CertId parse(String text) {
            var parts = text == null ? new String[0] : text.split("\\.", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw malformed("a certID is base64url(AKI keyIdentifier) \".\""
                        + " base64url(serial number) (RFC 9773 §4.1)");
            }
            var keyIdentifier = base64url(parts[0], "keyIdentifier");
            var serialBytes = base64url(parts[1], "serial number");
            // DER INTEGER content: minimal, and positive for a certificate serial.
            if (serialBytes[0] < 0) {
                throw malformed("the certID's serial number is negative");
            }
            if (serialBytes.length > 1 && serialBytes[0] == 0 && serialBytes[1] >= 0) {
                throw malformed("the certID's serial number is not minimally encoded (DER)");
            }
            if (serialBytes.length > 20) {
                throw malformed("the certID's serial number is longer than 20 octets");
            }
            return new CertId(keyIdentifier, new BigInteger(serialBytes));
        }

        /** The certID of an issued certificate. */
        public static String of(byte[] keyIdentifier, BigInteger serial) {
            var encoder = Base64.getUrlEncoder().withoutPadding();
            return encoder.encodeToString(keyIdentifier) + "."
                    + encoder.encodeToString(serial.toByteArray());
        }

        private static byte[] base64url(String text, String what) {
            if (!text.matches("[A-Za-z0-9_-]+")) {
                throw malformed("the certID's " + what + " must be base64url without padding");
            }
            try {
                return Base64.getUrlDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw malformed("the certID's " + what + " is not valid base64url");
            }
        }
    }

    /** RFC 9773 §4.2: the window, and how long the client should wait before asking again. */
    public record Window(Instant start, Instant end, Duration retryAfter) {
    }

    /** RFC 9773 §4.2: the suggested window of a certificate MailCA issued. */
    @Transactional
    public Window window(String certId) {
        var cert = find(CertId.parse(certId));
        return new Window(startOf(cert), endOf(cert), retryAfter);
    }

    /**
     * RFC 9773 §5: checks the certificate an order says it replaces: one this account holds,
     * sharing a name with the order, and not replaced already by an order that is not
     * invalid. Locks the certificate, so two orders cannot both replace it.
     *
     * @return the id of the certificate replaced
     */
    String checkReplaces(Account account, String certId, List<String> orderNames) {
        CertId parsed;
        try {
            parsed = CertId.parse(certId);
        } catch (AcmeProblem e) {
            throw malformed("replaces: " + e.detail());
        }
        IssuedCertificate cert;
        try {
            cert = find(parsed);
        } catch (AcmeProblem e) {
            throw malformed("replaces names no certificate MailCA issued");
        }
        cert = certificates.byIdForUpdate(cert.id).orElseThrow();
        if (!account.id.equals(cert.accountId)) {
            throw new AcmeProblem(ProblemType.UNAUTHORIZED,
                    "replaces names a certificate of another account");
        }
        var names = Set.of(cert.names.split(","));
        if (orderNames.stream().noneMatch(names::contains)) {
            throw malformed("replaces names a certificate for " + cert.names
                    + ", which shares no identifier with this order");
        }
        var successor = orders.replacing(cert.id);
        if (successor.isPresent()) {
            throw new AcmeProblem(ProblemType.ALREADY_REPLACED, 409,
                    "the certificate is already replaced by order " + successor.get().id,
                    List.of(), null);
        }
        return cert.id;
    }

    /**
     * An operator moves one certificate's window earlier (RFC 9773 §4.2), e.g. before
     * revoking it: clients that poll renewalInfo renew within the new window.
     *
     * @param serialHex the serial, lower-case hex as the admin API shows it
     */
    @Transactional
    public Window moveWindow(String serialHex, Instant start, Instant end, String actor) {
        checkWindow(start, end);
        var hex = serialHex.toLowerCase(java.util.Locale.ROOT);
        var cert = certificates.bySerial(hex).orElseThrow(() ->
                OperatorProblem.notFound("no certificate with serial " + hex));
        cert.renewalWindowStart = start.truncatedTo(ChronoUnit.SECONDS);
        cert.renewalWindowEnd = end.truncatedTo(ChronoUnit.SECONDS);
        audit.record(actor, "renewal-window.moved", "serial:" + cert.serialHex,
                "start=" + cert.renewalWindowStart + " end=" + cert.renewalWindowEnd);
        return new Window(startOf(cert), endOf(cert), retryAfter);
    }

    /**
     * Moves the window of every unexpired certificate of an issuing CA (a key rollover).
     *
     * @return how many certificates got the window
     */
    @Transactional
    public int moveWindowsOfIssuer(String issuerId, Instant start, Instant end, String actor) {
        checkWindow(start, end);
        if (authorities.byId(issuerId).isEmpty()) {
            throw OperatorProblem.notFound("no authority with id " + issuerId);
        }
        var moved = certificates.moveRenewalWindowsOfIssuer(issuerId,
                start.truncatedTo(ChronoUnit.SECONDS), end.truncatedTo(ChronoUnit.SECONDS),
                clock.instant());
        audit.record(actor, "renewal-window.moved", "issuer:" + issuerId,
                "certificates=" + moved + " start=" + start + " end=" + end);
        return moved;
    }

    static Instant defaultStart(Instant notBefore, Instant notAfter) {
        var lifetime = Duration.between(notBefore, notAfter);
        return notBefore.plus(lifetime.multipliedBy(2).dividedBy(3))
                .truncatedTo(ChronoUnit.SECONDS);
    }

    static Instant defaultEnd(Instant notBefore, Instant notAfter) {
        var lifetime = Duration.between(notBefore, notAfter);
        return notBefore.plus(lifetime.multipliedBy(5).dividedBy(6))
                .truncatedTo(ChronoUnit.SECONDS);
    }

    private Instant startOf(IssuedCertificate cert) {
        if (IssuedCertificate.REVOKED.equals(cert.status) && cert.revokedAt != null) {
            return cert.revokedAt.truncatedTo(ChronoUnit.SECONDS);
        }
        if (cert.renewalWindowStart != null) {
            return cert.renewalWindowStart;
        }
        return defaultStart(cert.notBefore, cert.notAfter);
    }

    private Instant endOf(IssuedCertificate cert) {
        if (IssuedCertificate.REVOKED.equals(cert.status) && cert.revokedAt != null) {
            return cert.revokedAt.truncatedTo(ChronoUnit.SECONDS).plus(Duration.ofMinutes(1));
        }
        if (cert.renewalWindowEnd != null) {
            return cert.renewalWindowEnd;
        }
        return defaultEnd(cert.notBefore, cert.notAfter);
    }

    private IssuedCertificate find(CertId id) {
        var cert = certificates.bySerial(id.serial().toString(16))
                .orElseThrow(() -> OrderService.notFound("certificate with this certID"));
        // The serial alone is MailCA's; the AKI must still name the CA that signed it.
        var keyIdentifier = AuthorityKeyIds.ofPem(cert.pem).orElse(new byte[0]);
        if (!Arrays.equals(keyIdentifier, id.keyIdentifier())) {
            throw OrderService.notFound("certificate with this certID");
        }
        return cert;
    }

    private static void checkWindow(Instant start, Instant end) {
        // RFC 9773 §4.2: a window whose end does not follow its start must never be served.
        if (!end.truncatedTo(ChronoUnit.SECONDS).isAfter(start.truncatedTo(ChronoUnit.SECONDS))) {
            throw OperatorProblem.badRequest("the window's end must lie after its start");
        }
    }

    private static AcmeProblem malformed(String detail) {
        return new AcmeProblem(ProblemType.MALFORMED, detail);
    }
}
