package io.mailca.issuance;

import java.io.IOException;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Objects;

import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * The corporate CA hierarchy: a self-signed root and one intermediate that signs leaves
 * (RFC 5280 §3.2). Both CA certificates carry critical Name Constraints (RFC 5280 §4.2.1.10)
 * that permit only the configured mail domains as dNSName subtrees and exclude every IPv4 and
 * IPv6 address, so that an employee who trusts the root trusts it for the company's mail
 * hosts and nothing else. The constraints are repeated on the intermediate because
 * RFC 5280 §6.1.1 lets validators (Java's among them) ignore constraints in a trust anchor.
 *
 * <p>Keys are generated and kept in {@link CaKeys} (a PKCS#12 file or a PKCS#11 token)
 * under {@link #ROOT_ALIAS} and {@link #INTERMEDIATE_ALIAS}.
 *
 * @param root the self-signed root certificate
 * @param intermediate the issuing CA certificate, signed by the root
 */
public record Hierarchy(X509Certificate root, X509Certificate intermediate) {
    public static final String ROOT_ALIAS = "root";
    public static final String INTERMEDIATE_ALIAS = "intermediate-1";

    public Hierarchy {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(intermediate, "intermediate");
    }

    /** The chain a leaf's holder sends after its own certificate: intermediate, then root. */
    public List<X509Certificate> chain() {
        return List.of(intermediate, root);
    }

    /**
     * Creates the root and the intermediate and stores both keys in one atomic write.
     *
     * @throws IllegalStateException when the keystore already holds a root: a CA is created
     *     once, and overwriting its key would orphan every certificate it issued
     */
    public static Hierarchy create(CaProfile profile, CaKeys keyStore, Clock clock,
            SecureRandom random) throws IOException {
        if (keyStore.contains(ROOT_ALIAS) || keyStore.contains(INTERMEDIATE_ALIAS)) {
            throw new IllegalStateException("CA key storage " + keyStore.description()
                    + " already holds a CA hierarchy");
        }
        var provider = keyStore.provider();
        var serials = new SerialNumbers(random);
        var algorithm = profile.keyAlgorithm();
        // Whole seconds: X.509 times carry no fractions, so the certificate shows exactly this.
        var now = clock.instant().truncatedTo(ChronoUnit.SECONDS);

        var rootKeys = keyStore.generate(algorithm, random);
        var rootName = name(profile.organization(), profile.organization() + " Mail Root CA");
        var rootBuilder = new JcaX509v3CertificateBuilder(rootName, serials.next(),
                Date.from(now), Date.from(plus(now, profile.rootValidity())), rootName,
                rootKeys.getPublic());
        addCaExtensions(rootBuilder, profile, rootKeys.getPublic(), null);
        var root = ContentSigners.toJca(rootBuilder.build(
                ContentSigners.of(rootKeys.getPrivate(), algorithm, provider)));

        var intermediateKeys = keyStore.generate(algorithm, random);
        var intermediate = signIntermediate(profile, root, rootKeys, intermediateKeys,
                serials.next(), now, provider);

        keyStore.store(List.of(
                new CaKeyStore.Entry(ROOT_ALIAS, rootKeys.getPrivate(), List.of(root)),
                new CaKeyStore.Entry(INTERMEDIATE_ALIAS, intermediateKeys.getPrivate(),
                        List.of(intermediate, root))));
        return new Hierarchy(root, intermediate);
    }

    /** The hierarchy already stored in the keystore. */
    public static Hierarchy load(CaKeys keyStore) throws IOException {
        return new Hierarchy(keyStore.certificate(ROOT_ALIAS),
                keyStore.certificate(INTERMEDIATE_ALIAS));
    }

    private static X509Certificate signIntermediate(CaProfile profile, X509Certificate root,
            KeyPair rootKeys, KeyPair intermediateKeys, BigInteger serial, Instant now,
            String provider) throws CertIOException {
        var notAfter = plus(now, profile.intermediateValidity());
        // An intermediate must not outlive the root that vouches for it.
        if (notAfter.isAfter(root.getNotAfter().toInstant())) {
            notAfter = root.getNotAfter().toInstant();
        }
        var subject = name(profile.organization(),
                profile.organization() + " Mail Issuing CA 1");
        var builder = new JcaX509v3CertificateBuilder(root, serial, Date.from(now),
                Date.from(notAfter), subject, intermediateKeys.getPublic());
        addCaExtensions(builder, profile, intermediateKeys.getPublic(), root);
        var aia = IssuerPointers.authorityInformationAccess(profile.ocspUrl(),
                profile.caIssuersUrl());
        if (aia != null) {
            builder.addExtension(Extension.authorityInfoAccess, false, aia);
        }
        if (profile.crlUrl() != null) {
            builder.addExtension(Extension.cRLDistributionPoints, false,
                    IssuerPointers.crlDistributionPoints(profile.crlUrl()));
        }
        return ContentSigners.toJca(builder.build(
                ContentSigners.of(rootKeys.getPrivate(), profile.keyAlgorithm(), provider)));
    }

    /** Extensions common to root and intermediate; {@code issuer} is null for the root. */
    private static void addCaExtensions(X509v3CertificateBuilder builder, CaProfile profile,
            PublicKey subjectKey, X509Certificate issuer) throws CertIOException {
        var extensions = extensionUtils();
        // The intermediate signs only leaves: path length 0 (RFC 5280 §4.2.1.9).
        var basicConstraints = issuer == null ? new BasicConstraints(true)
                : new BasicConstraints(0);
        builder.addExtension(Extension.basicConstraints, true, basicConstraints);
        builder.addExtension(Extension.keyUsage, true,
                new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        builder.addExtension(Extension.subjectKeyIdentifier, false,
                extensions.createSubjectKeyIdentifier(subjectKey));
        if (issuer != null) {
            try {
                builder.addExtension(Extension.authorityKeyIdentifier, false,
                        extensions.createAuthorityKeyIdentifier(issuer.getPublicKey()));
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot identify the issuer key", e);
            }
        }
        builder.addExtension(Extension.nameConstraints, true,
                nameConstraints(profile.permittedDomains()));
    }

    /**
     * Permitted dNSName subtrees for the mail domains; excluded iPAddress subtrees
     * 0.0.0.0/0 and ::/0 (address and mask, RFC 5280 §4.2.1.10), so no IP SAN validates.
     */
    static NameConstraints nameConstraints(List<String> permittedDomains) {
        var permitted = permittedDomains.stream()
                .map(domain -> new GeneralSubtree(new GeneralName(GeneralName.dNSName, domain)))
                .toArray(GeneralSubtree[]::new);
        var excluded = new GeneralSubtree[] {
            new GeneralSubtree(new GeneralName(GeneralName.iPAddress,
                    new DEROctetString(new byte[8]))),
            new GeneralSubtree(new GeneralName(GeneralName.iPAddress,
                    new DEROctetString(new byte[32])))
        };
        return new NameConstraints(permitted, excluded);
    }

    static X500Name name(String organization, String commonName) {
        // Most significant first in DER; printed as "CN=..., O=..." by RFC 4514 rules.
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, organization)
                .addRDN(BCStyle.CN, commonName)
                .build();
    }

    static JcaX509ExtensionUtils extensionUtils() {
        try {
            return new JcaX509ExtensionUtils();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 for key identifiers is missing", e);
        }
    }

    private static Instant plus(Instant instant, Period period) {
        return instant.atZone(ZoneOffset.UTC).plus(period).toInstant();
    }
}
