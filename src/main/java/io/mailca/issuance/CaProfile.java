package io.mailca.issuance;

import java.time.Period;
import java.util.List;
import java.util.Objects;

/**
 * What the operator decides about the CA hierarchy before it exists: the organization named in
 * the CA subjects, the mail domains the CA may ever certify (written into X.509 Name
 * Constraints, RFC 5280 §4.2.1.10), the key algorithm and the validity of the CA certificates.
 *
 * <p>The three URLs are the root's publication points, written into the intermediate it signs:
 * the root's CRL (RFC 5280 §4.2.1.13), an OCSP responder for root-issued certificates and the
 * root certificate's download address (RFC 5280 §4.2.2.1). Null or blank means "not published
 * yet", and the extension is left out rather than pointing nowhere.
 *
 * @param organization the organization name, e.g. {@code Example Corp}
 * @param permittedDomains mail domains as DNS names; each permits itself and all subdomains
 * @param keyAlgorithm CA key algorithm; null means {@link KeyAlgorithm#DEFAULT}
 * @param rootValidity validity of the root; null means 20 years
 * @param intermediateValidity validity of the intermediate; null means 10 years
 */
public record CaProfile(
        String organization,
        List<String> permittedDomains,
        KeyAlgorithm keyAlgorithm,
        String crlUrl,
        String ocspUrl,
        String caIssuersUrl,
        Period rootValidity,
        Period intermediateValidity) {

    public static final Period DEFAULT_ROOT_VALIDITY = Period.ofYears(20);
    public static final Period DEFAULT_INTERMEDIATE_VALIDITY = Period.ofYears(10);

    public CaProfile {
        Objects.requireNonNull(organization, "organization");
        organization = organization.strip();
        if (organization.isEmpty()) {
            throw new IllegalArgumentException("organization is blank");
        }
        // An empty permitted list would leave dNSName unconstrained: the opposite of intended.
        if (permittedDomains == null || permittedDomains.isEmpty()) {
            throw new IllegalArgumentException("at least one permitted mail domain is needed");
        }
        permittedDomains = permittedDomains.stream().map(HostNames::check).distinct().toList();
        keyAlgorithm = keyAlgorithm == null ? KeyAlgorithm.DEFAULT : keyAlgorithm;
        crlUrl = blankToNull(crlUrl);
        ocspUrl = blankToNull(ocspUrl);
        caIssuersUrl = blankToNull(caIssuersUrl);
        rootValidity = rootValidity == null ? DEFAULT_ROOT_VALIDITY : rootValidity;
        intermediateValidity = intermediateValidity == null
                ? DEFAULT_INTERMEDIATE_VALIDITY : intermediateValidity;
    }

    /** A profile with the default validity periods. */
    public CaProfile(String organization, List<String> permittedDomains,
            KeyAlgorithm keyAlgorithm, String crlUrl, String ocspUrl, String caIssuersUrl) {
        this(organization, permittedDomains, keyAlgorithm, crlUrl, ocspUrl, caIssuersUrl,
                null, null);
    }

    private static String blankToNull(String url) {
        return url == null || url.isBlank() ? null : url.strip();
    }
}
