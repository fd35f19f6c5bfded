package io.mailca.issuance;

import java.security.cert.X509Certificate;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;

/**
 * The keyIdentifier of a certificate's Authority Key Identifier extension (RFC 5280
 * §4.2.1.1), the first half of an ACME Renewal Information certID (RFC 9773 §4.1).
 */
public final class AuthorityKeyIds {
    private AuthorityKeyIds() {
    }

    /** The keyIdentifier octets of the leaf in {@code pem}, if it has one. */
    public static Optional<byte[]> ofPem(String pem) {
        return of(Pem.readCertificates(pem).get(0));
    }

    public static Optional<byte[]> of(X509Certificate certificate) {
        var value = certificate.getExtensionValue(Extension.authorityKeyIdentifier.getId());
        if (value == null) {
            return Optional.empty();
        }
        var aki = AuthorityKeyIdentifier.getInstance(
                ASN1OctetString.getInstance(value).getOctets());
        return Optional.ofNullable(aki.getKeyIdentifier());
    }
}
