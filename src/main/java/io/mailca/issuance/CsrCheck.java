package io.mailca.issuance;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

/**
 * Checks the PKCS#10 CSR (RFC 2986) of an ACME finalize request (RFC 8555 §7.4) before
 * anything is signed: DER without trailing bytes, a verifying self-signature with SHA-2, an
 * acceptable key, and host names only. Comparing the names with the order is the caller's job.
 *
 * <p>Keys accepted: RSA of 2048 to 8192 bits with an odd public exponent of at least 65537,
 * and ECDSA on P-256 or P-384 (named curves). Ed25519 is refused: few MTAs and mail clients
 * can verify it yet, so a mail host with only an Ed25519 certificate would lose mail.
 */
public final class CsrCheck {
    /** The most names one certificate carries, as at public ACME CAs. */
    static final int MAX_NAMES = 100;

    private static final BouncyCastleProvider BC = new BouncyCastleProvider();
    private static final BigInteger F4 = BigInteger.valueOf(65537);
    private static final Set<ASN1ObjectIdentifier> SIGNATURE_ALGORITHMS = Set.of(
            PKCSObjectIdentifiers.sha256WithRSAEncryption,
            PKCSObjectIdentifiers.sha384WithRSAEncryption,
            PKCSObjectIdentifiers.sha512WithRSAEncryption,
            PKCSObjectIdentifiers.id_RSASSA_PSS,
            X9ObjectIdentifiers.ecdsa_with_SHA256,
            X9ObjectIdentifiers.ecdsa_with_SHA384,
            X9ObjectIdentifiers.ecdsa_with_SHA512);

    private CsrCheck() {
    }

    /**
     * Parses and checks a DER CSR, as decoded from the {@code csr} field of finalize.
     *
     * @throws BadCsrException with a reason for the client
     */
    public static CheckedCsr parse(byte[] der) throws BadCsrException {
        var request = decode(der);

        var spki = request.getSubjectPublicKeyInfo();
        var publicKey = checkKey(spki);
        checkSignature(request, spki);

        var names = new LinkedHashSet<String>();
        for (var rdn : request.getSubject().getRDNs(BCStyle.CN)) {
            for (var value : rdn.getTypesAndValues()) {
                if (value.getType().equals(BCStyle.CN)) {
                    names.add(hostName(value.getValue(), "subject common name"));
                }
            }
        }
        names.addAll(subjectAltNames(request));
        if (names.isEmpty()) {
            throw new BadCsrException("CSR names no host: put the names in a subjectAltName"
                    + " extension as dNSName entries");
        }
        if (names.size() > MAX_NAMES) {
            throw new BadCsrException("CSR names " + names.size() + " hosts; at most "
                    + MAX_NAMES + " fit in one certificate");
        }
        return new CheckedCsr(publicKey, names);
    }

    private static PKCS10CertificationRequest decode(byte[] der) throws BadCsrException {
        if (der == null || der.length == 0) {
            throw new BadCsrException("CSR is empty");
        }
        try (var in = new ASN1InputStream(der)) {
            ASN1Primitive object = in.readObject();
            // Re-encoding with definite lengths must give back the very bytes: this catches
            // trailing data, indefinite lengths and padded length octets (X.690 §10.1).
            if (object == null || !Arrays.equals(object.getEncoded(ASN1Encoding.DL), der)) {
                throw new BadCsrException("CSR is not a single DER-encoded structure"
                        + " (trailing data or non-DER lengths)");
            }
            return new PKCS10CertificationRequest(CertificationRequest.getInstance(object));
        } catch (IOException | RuntimeException e) {
            throw new BadCsrException("CSR is not a DER-encoded PKCS#10 request", e);
        }
    }

    private static PublicKey checkKey(SubjectPublicKeyInfo spki) throws BadCsrException {
        var algorithm = spki.getAlgorithm().getAlgorithm();
        if (algorithm.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            checkRsa(spki);
            return jcaKey("RSA", spki);
        }
        if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            var parameters = spki.getAlgorithm().getParameters();
            if (!(parameters instanceof ASN1ObjectIdentifier curve)) {
                throw new BadCsrException("EC keys must name their curve; explicit curve"
                        + " parameters are not accepted");
            }
            if (!curve.equals(SECObjectIdentifiers.secp256r1)
                    && !curve.equals(SECObjectIdentifiers.secp384r1)) {
                var name = curve.equals(SECObjectIdentifiers.secp521r1) ? "P-521"
                        : curve.getId();
                throw new BadCsrException("EC curve " + name + " is not accepted; use P-256 or"
                        + " P-384");
            }
            return jcaKey("EC", spki);
        }
        if (algorithm.equals(EdECObjectIdentifiers.id_Ed25519)) {
            throw new BadCsrException("Ed25519 keys are not accepted: most mail servers and"
                    + " clients cannot verify them yet; use ECDSA P-256 or P-384, or RSA");
        }
        throw new BadCsrException("key algorithm " + algorithm.getId() + " is not accepted;"
                + " use ECDSA P-256 or P-384, or RSA of 2048 to 8192 bits");
    }

    private static void checkRsa(SubjectPublicKeyInfo spki) throws BadCsrException {
        org.bouncycastle.asn1.pkcs.RSAPublicKey rsa;
        try {
            rsa = org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(spki.parsePublicKey());
        } catch (IOException | RuntimeException e) {
            throw new BadCsrException("RSA public key is malformed", e);
        }
        int bits = rsa.getModulus().bitLength();
        if (bits < 2048 || bits > 8192) {
            throw new BadCsrException("RSA key of " + bits + " bits is not accepted; use 2048"
                    + " to 8192 bits");
        }
        var exponent = rsa.getPublicExponent();
        if (!exponent.testBit(0) || exponent.compareTo(F4) < 0) {
            throw new BadCsrException("RSA public exponent " + exponent + " is not accepted;"
                    + " it must be odd and at least 65537");
        }
    }

    private static PublicKey jcaKey(String algorithm, SubjectPublicKeyInfo spki)
            throws BadCsrException {
        try {
            return KeyFactory.getInstance(algorithm)
                    .generatePublic(new X509EncodedKeySpec(spki.getEncoded(ASN1Encoding.DER)));
        } catch (GeneralSecurityException | IOException e) {
            throw new BadCsrException(algorithm + " public key is malformed", e);
        }
    }

    private static void checkSignature(PKCS10CertificationRequest request,
            SubjectPublicKeyInfo spki) throws BadCsrException {
        var algorithm = request.getSignatureAlgorithm().getAlgorithm();
        if (!SIGNATURE_ALGORITHMS.contains(algorithm)) {
            throw new BadCsrException("CSR signature algorithm " + algorithm.getId()
                    + " is not accepted; sign with SHA-256, SHA-384 or SHA-512");
        }
        boolean valid;
        try {
            valid = request.isSignatureValid(
                    new JcaContentVerifierProviderBuilder().setProvider(BC).build(spki));
        } catch (OperatorCreationException | PKCSException | RuntimeException e) {
            valid = false;
        }
        if (!valid) {
            throw new BadCsrException("CSR signature does not verify with its public key");
        }
    }

    private static Set<String> subjectAltNames(PKCS10CertificationRequest request)
            throws BadCsrException {
        var requests = request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest);
        if (requests.length == 0) {
            return Set.of();
        }
        if (requests.length > 1 || requests[0].getAttrValues().size() != 1) {
            throw new BadCsrException("CSR carries more than one extensionRequest attribute");
        }
        var names = new LinkedHashSet<String>();
        var seen = new HashSet<ASN1ObjectIdentifier>();
        try {
            var extensions = ASN1Sequence.getInstance(requests[0].getAttrValues().getObjectAt(0));
            for (var element : extensions) {
                var extension = Extension.getInstance(element);
                var oid = extension.getExtnId();
                if (!seen.add(oid)) {
                    throw new BadCsrException(oid.equals(Extension.subjectAlternativeName)
                            ? "CSR carries more than one subjectAltName extension"
                            : "CSR carries extension " + oid.getId() + " more than once");
                }
                if (oid.equals(Extension.subjectAlternativeName)) {
                    var sans = GeneralNames.getInstance(extension.getParsedValue()).getNames();
                    // RFC 5280 §4.2.1.6: GeneralNames holds at least one name.
                    if (sans.length == 0) {
                        throw new BadCsrException("CSR carries an empty subjectAltName"
                                + " extension");
                    }
                    for (var name : sans) {
                        names.add(dnsName(name));
                    }
                }
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new BadCsrException("CSR extensionRequest attribute is malformed", e);
        }
        return names;
    }

    private static String dnsName(GeneralName name) throws BadCsrException {
        return switch (name.getTagNo()) {
            case GeneralName.dNSName -> hostName(name.getName(), "subjectAltName");
            case GeneralName.iPAddress -> throw new BadCsrException("IP address identifiers are"
                    + " not accepted; MailCA certifies mail host names only");
            default -> throw new BadCsrException("subjectAltName entries must be dNSName; found"
                    + " a " + generalNameType(name.getTagNo()));
        };
    }

    private static String hostName(Object value, String where) throws BadCsrException {
        if (!(value instanceof ASN1String text)) {
            throw new BadCsrException(where + " is not a string");
        }
        try {
            return HostNames.check(text.getString());
        } catch (IllegalArgumentException e) {
            throw new BadCsrException(where + " " + e.getMessage());
        }
    }

    private static String generalNameType(int tag) {
        return switch (tag) {
            case GeneralName.otherName -> "otherName";
            case GeneralName.rfc822Name -> "rfc822Name (email address)";
            case GeneralName.x400Address -> "x400Address";
            case GeneralName.directoryName -> "directoryName";
            case GeneralName.ediPartyName -> "ediPartyName";
            case GeneralName.uniformResourceIdentifier -> "uniformResourceIdentifier";
            case GeneralName.registeredID -> "registeredID";
            default -> "name of tag " + tag;
        };
    }
}
