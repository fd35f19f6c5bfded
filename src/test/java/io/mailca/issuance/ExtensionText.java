package io.mailca.issuance;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.GeneralNames;

/** Decodes AIA and CRL DP into comparable strings for assertions. */
final class ExtensionText {
    private ExtensionText() {
    }

    static List<String> accessDescriptions(X509Certificate certificate) {
        var value = certificate.getExtensionValue("1.3.6.1.5.5.7.1.1");
        if (value == null) {
            return List.of();
        }
        var aia = AuthorityInformationAccess.getInstance(
                ASN1OctetString.getInstance(value).getOctets());
        return Arrays.stream(aia.getAccessDescriptions()).map(description -> {
            var method = description.getAccessMethod().equals(AccessDescription.id_ad_ocsp)
                    ? "ocsp" : description.getAccessMethod()
                            .equals(AccessDescription.id_ad_caIssuers) ? "caIssuers" : "other";
            return method + "=" + description.getAccessLocation().getName();
        }).toList();
    }

    static List<String> crlDistributionPoints(X509Certificate certificate) {
        var value = certificate.getExtensionValue("2.5.29.31");
        if (value == null) {
            return List.of();
        }
        var points = CRLDistPoint.getInstance(ASN1OctetString.getInstance(value).getOctets());
        var result = new ArrayList<String>();
        for (var point : points.getDistributionPoints()) {
            var names = GeneralNames.getInstance(point.getDistributionPoint().getName());
            for (var name : names.getNames()) {
                result.add(name.getName().toString());
            }
        }
        return result;
    }
}
