package io.mailca.issuance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.CertificationRequestInfo;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CsrCheckTest {
    static final BouncyCastleProvider BC = new BouncyCastleProvider();
    static final KeyPair P256 = TestPki.p256();
    static final X500Name EMPTY = new X500Name(new RDN[0]);

    interface Csr {
        byte[] der() throws Exception;
    }

    static Stream<Arguments> ok() {
        return Stream.of(
                Arguments.of("ok/p256-san", (Csr) () -> csr(P256, "SHA256withECDSA", EMPTY,
                        san(dns("mx1.example.test"))), List.of("mx1.example.test")),
                Arguments.of("ok/p384-sha384", (Csr) () -> csr(ec("secp384r1"),
                        "SHA384withECDSA", EMPTY, san(dns("mx1.example.test"))),
                        List.of("mx1.example.test")),
                Arguments.of("ok/rsa-2048", (Csr) () -> csr(rsa(2048, 65537), "SHA256withRSA",
                        EMPTY, san(dns("mx1.example.test"), dns("smtp.example.test"))),
                        List.of("mx1.example.test", "smtp.example.test")),
                Arguments.of("ok/cn-only", (Csr) () -> csr(P256, "SHA256withECDSA",
                        new X500Name("CN=MX1.Example.Test")), List.of("mx1.example.test")),
                Arguments.of("ok/cn-first-then-san-deduplicated", (Csr) () -> csr(P256,
                        "SHA256withECDSA", new X500Name("CN=mx1.example.test, O=Example"),
                        san(dns("MX2.example.test"), dns("mx1.example.test"))),
                        List.of("mx1.example.test", "mx2.example.test")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ok")
    void ok(String name, Csr csr, List<String> names) throws Exception {
        var der = csr.der();

        var checked = CsrCheck.parse(der);

        assertThat(checked.names()).containsExactlyElementsOf(names);
        assertThat(checked.publicKey().getEncoded()).isEqualTo(
                CertificationRequest.getInstance(der).getCertificationRequestInfo()
                        .getSubjectPublicKeyInfo().getEncoded());
    }

    static Stream<Arguments> fail() {
        return Stream.of(
                Arguments.of("fail/empty", (Csr) () -> new byte[0], "CSR is empty"),
                Arguments.of("fail/garbage", (Csr) () -> "not a csr".getBytes(),
                        "CSR is not a DER-encoded PKCS#10 request"),
                Arguments.of("fail/trailing-garbage", (Csr) () -> append(good(), (byte) 0),
                        "CSR is not a single DER-encoded structure (trailing data or non-DER"
                                + " lengths)"),
                Arguments.of("fail/not-a-csr-sequence", (Csr) () -> new DERSequence().getEncoded(),
                        "CSR is not a DER-encoded PKCS#10 request"),
                Arguments.of("fail/bad-signature", (Csr) () -> flipLastByte(good()),
                        "CSR signature does not verify with its public key"),
                Arguments.of("fail/rsa-1024", (Csr) () -> csr(rsa(1024, 65537),
                        "SHA256withRSA", EMPTY, san(dns("mx1.example.test"))),
                        "RSA key of 1024 bits is not accepted; use 2048 to 8192 bits"),
                Arguments.of("fail/rsa-exponent-3", (Csr) () -> csr(rsa(2048, 3),
                        "SHA256withRSA", EMPTY, san(dns("mx1.example.test"))),
                        "RSA public exponent 3 is not accepted; it must be odd and at least"
                                + " 65537"),
                Arguments.of("fail/rsa-exponent-even", (Csr) CsrCheckTest::evenExponent,
                        "RSA public exponent 65538 is not accepted; it must be odd and at least"
                                + " 65537"),
                Arguments.of("fail/p521", (Csr) () -> csr(ec("secp521r1"), "SHA512withECDSA",
                        EMPTY, san(dns("mx1.example.test"))),
                        "EC curve P-521 is not accepted; use P-256 or P-384"),
                Arguments.of("fail/ed25519", (Csr) () -> csr(
                        KeyPairGenerator.getInstance("Ed25519", BC).generateKeyPair(),
                        "Ed25519", EMPTY, san(dns("mx1.example.test"))),
                        "Ed25519 keys are not accepted: most mail servers and clients cannot"
                                + " verify them yet; use ECDSA P-256 or P-384, or RSA"),
                Arguments.of("fail/sha1-signature", (Csr) () -> csr(P256, "SHA1withECDSA",
                        EMPTY, san(dns("mx1.example.test"))),
                        "CSR signature algorithm 1.2.840.10045.4.1 is not accepted; sign with"
                                + " SHA-256, SHA-384 or SHA-512"),
                Arguments.of("fail/ip-san", (Csr) () -> csr(P256, "SHA256withECDSA", EMPTY,
                        san(dns("mx1.example.test"),
                                new GeneralName(GeneralName.iPAddress, "192.0.2.25"))),
                        "IP address identifiers are not accepted; MailCA certifies mail host"
                                + " names only"),
                Arguments.of("fail/email-san", (Csr) () -> csr(P256, "SHA256withECDSA", EMPTY,
                        san(new GeneralName(GeneralName.rfc822Name, "postmaster@example.test"))),
                        "subjectAltName entries must be dNSName; found a rfc822Name (email"
                                + " address)"),
                Arguments.of("fail/two-san-extensions", (Csr) () -> csr(P256,
                        "SHA256withECDSA", EMPTY, san(dns("mx1.example.test")),
                        san(dns("evil.other.test"))),
                        "CSR carries more than one subjectAltName extension"),
                Arguments.of("fail/two-extension-requests", (Csr) CsrCheckTest::twoRequests,
                        "CSR carries more than one extensionRequest attribute"),
                Arguments.of("fail/wildcard-not-leftmost", (Csr) () -> csr(P256,
                        "SHA256withECDSA", EMPTY, san(dns("mx.*.example.test"))),
                        "subjectAltName \"mx.*.example.test\" has a wildcard other than a whole"
                                + " leftmost label"),
                Arguments.of("fail/wildcard-partial-label", (Csr) () -> csr(P256,
                        "SHA256withECDSA", EMPTY, san(dns("mx*.example.test"))),
                        "subjectAltName \"mx*.example.test\" has a wildcard other than a whole"
                                + " leftmost label"),
                Arguments.of("fail/underscore", (Csr) () -> csr(P256, "SHA256withECDSA", EMPTY,
                        san(dns("mx_1.example.test"))),
                        "subjectAltName \"mx_1.example.test\" contains '_'; only letters,"
                                + " digits and hyphens are allowed (write internationalized"
                                + " names as xn-- A-labels)"),
                Arguments.of("fail/cn-not-a-host-name", (Csr) () -> csr(P256,
                        "SHA256withECDSA", new X500Name("CN=Mail Server")),
                        "subject common name \"Mail Server\" is not a fully qualified domain"
                                + " name"),
                Arguments.of("fail/single-label", (Csr) () -> csr(P256, "SHA256withECDSA",
                        EMPTY, san(dns("localhost"))),
                        "subjectAltName \"localhost\" is not a fully qualified domain name"),
                Arguments.of("fail/no-names", (Csr) () -> csr(P256, "SHA256withECDSA",
                        new X500Name("O=Example")),
                        "CSR names no host: put the names in a subjectAltName extension as"
                                + " dNSName entries"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fail")
    void fail(String name, Csr csr, String reason) throws Exception {
        var der = csr.der();

        assertThatThrownBy(() -> CsrCheck.parse(der))
                .isInstanceOf(BadCsrException.class)
                .hasMessage(reason);
    }

    static byte[] good() throws Exception {
        return csr(P256, "SHA256withECDSA", EMPTY, san(dns("mx1.example.test")));
    }

    static byte[] csr(KeyPair keys, String signatureAlgorithm, X500Name subject,
            Extension... extensions) throws Exception {
        var builder = new JcaPKCS10CertificationRequestBuilder(subject, keys.getPublic());
        if (extensions.length > 0) {
            // A raw SEQUENCE, not BC's Extensions, which would refuse the duplicates we test.
            builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest,
                    new DERSequence(extensions));
        }
        var signer = new JcaContentSignerBuilder(signatureAlgorithm).setProvider(BC)
                .build(keys.getPrivate());
        return builder.build(signer).getEncoded();
    }

    static byte[] twoRequests() throws Exception {
        var builder = new JcaPKCS10CertificationRequestBuilder(EMPTY, P256.getPublic());
        builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest,
                new DERSequence(san(dns("mx1.example.test"))));
        builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest,
                new DERSequence(san(dns("mx2.example.test"))));
        var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(P256.getPrivate());
        return builder.build(signer).getEncoded();
    }

    /** No real key has an even exponent; the key is refused before the signature is read. */
    static byte[] evenExponent() throws Exception {
        var modulus = ((RSAPublicKey) rsa(2048, 65537).getPublic()).getModulus();
        var spki = new SubjectPublicKeyInfo(
                new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                new org.bouncycastle.asn1.pkcs.RSAPublicKey(modulus, BigInteger.valueOf(65538)));
        var info = new CertificationRequestInfo(EMPTY, spki, new DERSet(
                new Attribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest,
                        new DERSet(new DERSequence(san(dns("mx1.example.test")))))));
        var request = new ASN1EncodableVector();
        request.add(info);
        request.add(new AlgorithmIdentifier(PKCSObjectIdentifiers.sha256WithRSAEncryption,
                DERNull.INSTANCE));
        request.add(new DERBitString(new byte[256]));
        return new DERSequence(request).getEncoded();
    }

    static Extension san(GeneralName... names) throws Exception {
        return new Extension(Extension.subjectAlternativeName, false,
                new GeneralNames(names).getEncoded());
    }

    static GeneralName dns(String name) {
        return new GeneralName(GeneralName.dNSName, name);
    }

    static KeyPair ec(String curve) throws Exception {
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve));
        return generator.generateKeyPair();
    }

    static KeyPair rsa(int bits, long exponent) throws Exception {
        var generator = KeyPairGenerator.getInstance("RSA", BC);
        generator.initialize(new RSAKeyGenParameterSpec(bits, BigInteger.valueOf(exponent)));
        return generator.generateKeyPair();
    }

    static byte[] append(byte[] bytes, byte extra) {
        var result = Arrays.copyOf(bytes, bytes.length + 1);
        result[bytes.length] = extra;
        return result;
    }

    static byte[] flipLastByte(byte[] bytes) {
        var result = bytes.clone();
        result[result.length - 1] ^= 0x01;
        return result;
    }
}
