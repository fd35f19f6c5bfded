package io.mailca.issuance;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Objects;

import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * Signs leaf certificates of the mail-server profile with the issuing CA's key
 * (RFC 5280 §4.1, the certificate of RFC 8555 §7.4.2).
 *
 * <p>The profile: X.509 v3; subject {@code CN=<first name>} and a non-critical Subject
 * Alternative Name with every name as dNSName (RFC 5280 §4.2.1.6). The common name is kept
 * because many mail clients still show it and some older MTAs still match on it; the SAN is
 * what validators use. When the first name is longer than the 64 characters a common name may
 * hold, the subject is left empty and the SAN becomes critical, as §4.2.1.6 requires. Further:
 * Extended Key Usage serverAuth and clientAuth (MTAs present their certificate when they
 * connect to other MTAs, too), critical Key Usage digitalSignature (plus keyEncipherment for
 * RSA keys, which older TLS key exchange uses), critical Basic Constraints CA:false, Subject
 * and Authority Key Identifiers, Authority Information Access (caIssuers, OCSP) and CRL
 * Distribution Points when their URLs are given.
 *
 * <p>Instances are immutable and thread-safe as far as the signing provider is.
 */
public final class CertificateSigner {
    /** ub-common-name, RFC 5280 Appendix A.1. */
    private static final int MAX_COMMON_NAME = 64;

    private final PrivateKey issuerKey;
    private final X509Certificate issuerCertificate;
    private final String provider;
    private final KeyAlgorithm algorithm;

    /**
     * @param issuerKey the issuing CA's private key, possibly a handle into a token
     * @param issuerCertificate the issuing CA's certificate
     * @param jcaProvider the JCA provider that signs with the key (e.g. a SunPKCS11
     *     instance's name), or null for the default provider selection
     */
    public CertificateSigner(PrivateKey issuerKey, X509Certificate issuerCertificate,
            String jcaProvider) {
        this.issuerKey = Objects.requireNonNull(issuerKey, "issuerKey");
        this.issuerCertificate = Objects.requireNonNull(issuerCertificate,
                "issuerCertificate");
        this.provider = jcaProvider;
        // From the certificate's public key: a token's private key may not reveal its size.
        this.algorithm = KeyAlgorithm.of(issuerCertificate.getPublicKey());
    }

    /** The issuing CA certificate, which the chain sent to clients starts with. */
    public X509Certificate issuerCertificate() {
        return issuerCertificate;
    }

    /**
     * Signs one leaf.
     *
     * <p>A notBefore earlier than the issuer's is moved up to the issuer's notBefore.
     *
     * @throws IllegalArgumentException when the leaf would outlive its issuer
     */
    public X509Certificate issue(LeafRequest request) {
        var notBefore = request.notBefore().truncatedTo(ChronoUnit.SECONDS);
        var notAfter = request.notAfter().truncatedTo(ChronoUnit.SECONDS);
        var issuerNotBefore = issuerCertificate.getNotBefore().toInstant();
        // A leaf backdated for clock skew right after the CA was created would start before
        // its issuer; starting with the issuer loses nothing.
        if (notBefore.isBefore(issuerNotBefore)) {
            notBefore = issuerNotBefore;
        }
        if (notAfter.isAfter(issuerCertificate.getNotAfter().toInstant())) {
            throw new IllegalArgumentException("leaf validity " + notBefore + " to " + notAfter
                    + " lies outside the issuer's");
        }
        var names = request.dnsNames();
        var firstName = names.get(0);
        boolean withCommonName = firstName.length() <= MAX_COMMON_NAME;
        var subject = withCommonName
                ? new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, firstName).build()
                : new X500Name(new RDN[0]);

        var builder = new JcaX509v3CertificateBuilder(issuerCertificate, request.serial(),
                Date.from(notBefore), Date.from(notAfter), subject, request.subjectKey());
        try {
            addExtensions(builder, request, withCommonName);
        } catch (CertIOException e) {
            throw new IllegalStateException("cannot encode leaf extensions", e);
        }
        return ContentSigners.toJca(builder.build(
                ContentSigners.of(issuerKey, algorithm, provider)));
    }

    private void addExtensions(JcaX509v3CertificateBuilder builder, LeafRequest request,
            boolean withCommonName) throws CertIOException {
        var extensions = Hierarchy.extensionUtils();
        var san = request.dnsNames().stream()
                .map(name -> new GeneralName(GeneralName.dNSName, name))
                .toArray(GeneralName[]::new);
        builder.addExtension(Extension.subjectAlternativeName, !withCommonName,
                new GeneralNames(san));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        builder.addExtension(Extension.keyUsage, true, keyUsage(request.subjectKey()));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.subjectKeyIdentifier, false,
                extensions.createSubjectKeyIdentifier(request.subjectKey()));
        builder.addExtension(Extension.authorityKeyIdentifier, false,
                extensions.createAuthorityKeyIdentifier(issuerCertificate.getPublicKey()));
        var aia = IssuerPointers.authorityInformationAccess(request.ocspUrl(),
                request.caIssuersUrl());
        if (aia != null) {
            builder.addExtension(Extension.authorityInfoAccess, false, aia);
        }
        if (request.crlUrl() != null) {
            builder.addExtension(Extension.cRLDistributionPoints, false,
                    IssuerPointers.crlDistributionPoints(request.crlUrl()));
        }
    }

    /** RSA keys also encipher the premaster secret in TLS 1.2 RSA key exchange. */
    static KeyUsage keyUsage(PublicKey subjectKey) {
        if (subjectKey instanceof RSAPublicKey) {
            return new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment);
        }
        return new KeyUsage(KeyUsage.digitalSignature);
    }
}
