package io.mailca.validation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.mailca.dns.DnsClient;
import io.mailca.dns.DnsException;

import org.jboss.logging.Logger;

/**
 * The dns-01 challenge (RFC 8555 §8.4): the applicant publishes, at
 * {@code _acme-challenge.<domain>}, a TXT record whose value is the base64url encoding, without
 * padding, of the SHA-256 digest of the key authorization. CNAMEs at that name are followed (the
 * usual way to delegate validation to another zone), through {@link DnsClient}.
 *
 * <p>Blocking: the caller runs it on a worker thread. The time it takes is bounded by the DNS
 * client's timeout times the length of the CNAME chain.
 */
@ApplicationScoped
public class Dns01Validator {

    private static final Logger LOG = Logger.getLogger(Dns01Validator.class);
    private static final String LABEL = "_acme-challenge.";

    private final DnsClient dns;

    public Dns01Validator(DnsClient dns) {
        this.dns = dns;
    }

    /**
     * Validates a dns-01 challenge.
     *
     * @param domain the identifier value of the authorization; a leading {@code *.} is dropped,
     *     since a wildcard's authorization is for its base domain (RFC 8555 §7.1.3)
     * @param keyAuthorization {@code token || '.' || base64url(JWK thumbprint)} (RFC 8555 §8.1)
     */
    public ValidationOutcome validate(String domain, String keyAuthorization) {
        var base = domain != null && domain.startsWith("*.") ? domain.substring(2) : domain;
        if (!HostName.isValid(base)) {
            return ValidationOutcome.invalid(ValidationOutcome.MALFORMED,
                    "\"" + domain + "\" is not a domain name that dns-01 can validate");
        }
        var name = LABEL + HostName.normalize(base);
        var expected = digest(keyAuthorization);

        LOG.debugf("dns-01: looking up TXT %s", name);
        List<String> found;
        try {
            found = dns.txt(name);
        } catch (DnsException e) {
            return ValidationOutcome.invalid(ValidationOutcome.DNS, e.getMessage());
        }

        if (found.contains(expected)) {
            return ValidationOutcome.success();
        }
        if (found.isEmpty()) {
            return ValidationOutcome.invalid(ValidationOutcome.UNAUTHORIZED,
                    "No TXT record found at " + name);
        }
        return ValidationOutcome.invalid(ValidationOutcome.INCORRECT_RESPONSE,
                "Found " + found.size() + (found.size() == 1 ? " TXT record" : " TXT records")
                        + " at " + name + ", none of them is the expected \"" + expected + "\"");
    }

    /** base64url(SHA-256(keyAuthorization)) without padding, the TXT value of RFC 8555 §8.4. */
    static String digest(String keyAuthorization) {
        try {
            var sha256 = MessageDigest.getInstance("SHA-256")
                    .digest(keyAuthorization.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
