package io.mailca.issuance;

import java.util.ArrayList;

import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

/**
 * Where relying parties find the issuer's certificate and revocation status: Authority
 * Information Access (RFC 5280 §4.2.2.1) and CRL Distribution Points (RFC 5280 §4.2.1.13).
 */
final class IssuerPointers {
    private IssuerPointers() {
    }

    /** AIA with OCSP and caIssuers entries for the URLs given; null when both are null. */
    static AuthorityInformationAccess authorityInformationAccess(String ocspUrl,
            String caIssuersUrl) {
        var descriptions = new ArrayList<AccessDescription>();
        if (ocspUrl != null) {
            descriptions.add(new AccessDescription(AccessDescription.id_ad_ocsp,
                    uri(ocspUrl)));
        }
        if (caIssuersUrl != null) {
            descriptions.add(new AccessDescription(AccessDescription.id_ad_caIssuers,
                    uri(caIssuersUrl)));
        }
        if (descriptions.isEmpty()) {
            return null;
        }
        return new AuthorityInformationAccess(descriptions.toArray(new AccessDescription[0]));
    }

    /** One distribution point with a full name, no reasons, no separate CRL issuer. */
    static CRLDistPoint crlDistributionPoints(String crlUrl) {
        var name = new DistributionPointName(new GeneralNames(uri(crlUrl)));
        return new CRLDistPoint(new DistributionPoint[] {
            new DistributionPoint(name, null, null)
        });
    }

    private static GeneralName uri(String url) {
        return new GeneralName(GeneralName.uniformResourceIdentifier, url);
    }
}
