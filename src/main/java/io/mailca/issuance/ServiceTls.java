package io.mailca.issuance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.bouncycastle.asn1.ASN1OctetString;
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
import org.bouncycastle.util.IPAddress;
import org.jboss.logging.Logger;

/**
 * MailCA's own HTTPS certificate, for the ACME directory, the admin API and the public pages.
 * It comes from a separate, self-signed service issuer, never from the corporate root: the
 * HTTPS names (localhost, a load balancer's name, an IP address) lie outside the mail domains
 * the root's Name Constraints permit (RFC 5280 §4.2.1.10), and the corporate root's key must
 * not sign anything but the CA hierarchy.
 *
 * <p>Files in the HTTPS directory: {@code service-ca.pem} and {@code service-ca-key.pem} (the
 * issuer, created once), {@code https-chain.pem} (leaf then issuer) and {@code https-key.pem}
 * (PKCS#8). Keys are mode 0600, every file is written atomically. No database is involved:
 * this runs before the server starts listening.
 *
 * @param chainFile {@code https-chain.pem}
 * @param keyFile {@code https-key.pem}
 * @param issuerFile {@code service-ca.pem}, for clients that want to trust the service issuer
 * @param leafIssued whether this call issued a new leaf
 */
public record ServiceTls(Path chainFile, Path keyFile, Path issuerFile, boolean leafIssued) {
    public static final String ISSUER_NAME = "MailCA HTTPS service issuer (not for mail)";
    public static final String ISSUER_FILE = "service-ca.pem";
    public static final String ISSUER_KEY_FILE = "service-ca-key.pem";
    public static final String CHAIN_FILE = "https-chain.pem";
    public static final String KEY_FILE = "https-key.pem";

    /** The leaf is renewed when it has less than this left. */
    static final Duration RENEW_BEFORE = Duration.ofDays(30);
    static final Duration LEAF_VALIDITY = Duration.ofDays(365);
    static final Period ISSUER_VALIDITY = Period.ofYears(10);
    /** Tolerates clocks of HTTPS clients that run a little behind. */
    static final Duration BACKDATE = Duration.ofHours(1);

    private static final Logger LOG = Logger.getLogger(ServiceTls.class);

    /**
     * Makes sure the HTTPS directory holds a service issuer and a current leaf for exactly
     * {@code names}. Entries that parse as IPv4 or IPv6 literals become iPAddress SANs, the
     * others dNSName SANs.
     */
    public static ServiceTls ensure(Path httpsDir, List<String> names, Clock clock)
            throws IOException {
        return ensure(httpsDir, names, clock, new SecureRandom());
    }

    /** {@link #ensure(Path, List, Clock)} with an injected CSPRNG. */
    public static ServiceTls ensure(Path httpsDir, List<String> names, Clock clock,
            SecureRandom random) throws IOException {
        if (names == null || names.isEmpty()) {
            throw new IllegalArgumentException("the HTTPS certificate needs at least one name");
        }
        var wanted = names.stream().map(ServiceTls::generalName).toList();
        AtomicFiles.createPrivateDirectory(httpsDir);
        var issuerFile = httpsDir.resolve(ISSUER_FILE);
        var issuerKeyFile = httpsDir.resolve(ISSUER_KEY_FILE);
        var chainFile = httpsDir.resolve(CHAIN_FILE);
        var keyFile = httpsDir.resolve(KEY_FILE);
        var now = clock.instant().truncatedTo(ChronoUnit.SECONDS);

        var issuer = readIssuer(issuerFile, issuerKeyFile);
        if (issuer == null) {
            issuer = createIssuer(now, random);
            // Key first: a crash in between leaves a key without certificate, which the next
            // start replaces, never a certificate whose key is lost.
            AtomicFiles.write(issuerKeyFile, ascii(Pem.privateKey(issuer.key())), true);
            AtomicFiles.write(issuerFile, ascii(Pem.certificate(issuer.certificate())), false);
            LOG.infof("Created the HTTPS service issuer %s", issuerFile);
        }

        if (leafIsCurrent(chainFile, keyFile, issuer.certificate(), wanted, now)) {
            return new ServiceTls(chainFile, keyFile, issuerFile, false);
        }
        var leafKeys = KeyAlgorithm.EC_P256.generate(random);
        var leaf = issueLeaf(issuer, leafKeys.getPublic(), wanted, now, random);
        AtomicFiles.write(keyFile, ascii(Pem.privateKey(leafKeys.getPrivate())), true);
        AtomicFiles.write(chainFile, ascii(Pem.certificates(
                List.of(leaf, issuer.certificate()))), false);
        LOG.infof("Issued the HTTPS certificate for %s, valid until %s", names,
                leaf.getNotAfter().toInstant());
        return new ServiceTls(chainFile, keyFile, issuerFile, true);
    }

    private record Issuer(X509Certificate certificate, PrivateKey key) {
    }

    private static Issuer readIssuer(Path certificateFile, Path keyFile) throws IOException {
        if (!Files.exists(certificateFile) || !Files.exists(keyFile)) {
            return null;
        }
        try {
            var certificates = Pem.readCertificates(Files.readString(certificateFile));
            var key = Pem.readPrivateKey(Files.readString(keyFile));
            if (certificates.size() != 1 || !matches(key, certificates.get(0).getPublicKey())) {
                throw new IOException("HTTPS service issuer files " + certificateFile
                        + " and " + keyFile + " do not belong together");
            }
            return new Issuer(certificates.get(0), key);
        } catch (IllegalArgumentException e) {
            throw new IOException("HTTPS service issuer files are damaged: " + e.getMessage(),
                    e);
        }
    }

    private static Issuer createIssuer(Instant now, SecureRandom random) throws IOException {
        var keys = KeyAlgorithm.EC_P256.generate(random);
        var name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, ISSUER_NAME).build();
        var notAfter = now.atZone(ZoneOffset.UTC).plus(ISSUER_VALIDITY).toInstant();
        var builder = new JcaX509v3CertificateBuilder(name, new SerialNumbers(random).next(),
                Date.from(now.minus(BACKDATE)), Date.from(notAfter), name, keys.getPublic());
        var extensions = Hierarchy.extensionUtils();
        try {
            // Path length 0: this issuer signs the HTTPS leaf and nothing that could sign.
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(keys.getPublic()));
        } catch (CertIOException e) {
            throw new IOException("cannot encode the service issuer", e);
        }
        var certificate = ContentSigners.toJca(builder.build(
                ContentSigners.of(keys.getPrivate(), KeyAlgorithm.EC_P256, null)));
        return new Issuer(certificate, keys.getPrivate());
    }

    private static X509Certificate issueLeaf(Issuer issuer, PublicKey key,
            List<GeneralName> names, Instant now, SecureRandom random) throws IOException {
        var notAfter = now.plus(LEAF_VALIDITY);
        var issuerNotAfter = issuer.certificate().getNotAfter().toInstant();
        if (notAfter.isAfter(issuerNotAfter)) {
            notAfter = issuerNotAfter;
        }
        var first = names.get(0);
        var subject = new X500NameBuilder(BCStyle.INSTANCE);
        if (first.getTagNo() == GeneralName.dNSName
                && first.getName().toString().length() <= 64) {
            subject.addRDN(BCStyle.CN, first.getName().toString());
        }
        var subjectName = subject.build();
        var builder = new JcaX509v3CertificateBuilder(issuer.certificate(),
                new SerialNumbers(random).next(), Date.from(now.minus(BACKDATE)),
                Date.from(notAfter), subjectName, key);
        var extensions = Hierarchy.extensionUtils();
        try {
            builder.addExtension(Extension.subjectAlternativeName,
                    subjectName.getRDNs().length == 0,
                    new GeneralNames(names.toArray(new GeneralName[0])));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(key));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    extensions.createAuthorityKeyIdentifier(
                            issuer.certificate().getPublicKey()));
        } catch (CertIOException e) {
            throw new IOException("cannot encode the HTTPS certificate", e);
        }
        return ContentSigners.toJca(builder.build(
                ContentSigners.of(issuer.key(), KeyAlgorithm.EC_P256, null)));
    }

    /**
     * Whether the files hold a leaf from this issuer, for exactly these names, with its own
     * key, and more than {@link #RENEW_BEFORE} left.
     */
    private static boolean leafIsCurrent(Path chainFile, Path keyFile,
            X509Certificate issuer, List<GeneralName> wanted, Instant now) {
        if (!Files.exists(chainFile) || !Files.exists(keyFile)) {
            return false;
        }
        try {
            var chain = Pem.readCertificates(Files.readString(chainFile));
            if (chain.size() != 2 || !chain.get(1).equals(issuer)) {
                return false;
            }
            var leaf = chain.get(0);
            leaf.verify(issuer.getPublicKey());
            var key = Pem.readPrivateKey(Files.readString(keyFile));
            return matches(key, leaf.getPublicKey())
                    && leaf.getNotAfter().toInstant().isAfter(now.plus(RENEW_BEFORE))
                    && !leaf.getNotBefore().toInstant().isAfter(now)
                    && sanKeys(leaf).equals(keys(wanted));
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            // A damaged or foreign leaf is simply replaced.
            LOG.debugf("HTTPS certificate in %s will be replaced: %s", chainFile, e.toString());
            return false;
        }
    }

    /** Whether a private key belongs to a public key, by signing and verifying a probe. */
    private static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        try {
            var probe = "mailca key check".getBytes(StandardCharsets.US_ASCII);
            var algorithm = KeyAlgorithm.of(publicKey).signatureAlgorithm();
            var signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(probe);
            var signature = signer.sign();
            var verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    static GeneralName generalName(String name) {
        var trimmed = name.strip();
        if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
            trimmed = trimmed.substring(1, trimmed.length() - 1);
        }
        if (IPAddress.isValidIPv4(trimmed) || IPAddress.isValidIPv6(trimmed)) {
            return new GeneralName(GeneralName.iPAddress, trimmed);
        }
        // Single-label names such as localhost are fine here: this is not the mail profile.
        var lower = trimmed.toLowerCase(Locale.ROOT);
        if (lower.isEmpty() || !lower.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?"
                + "(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
            throw new IllegalArgumentException("not a host name or IP address: " + name);
        }
        return new GeneralName(GeneralName.dNSName, lower);
    }

    /** Comparable forms: "dns:name" and "ip:" plus the address octets in hex. */
    private static Set<String> keys(List<GeneralName> names) {
        var result = new HashSet<String>();
        for (var name : names) {
            if (name.getTagNo() == GeneralName.iPAddress) {
                var octets = ASN1OctetString.getInstance(name.getName()).getOctets();
                result.add("ip:" + HexFormat.of().formatHex(octets));
            } else {
                result.add("dns:" + name.getName().toString().toLowerCase(Locale.ROOT));
            }
        }
        return result;
    }

    private static Set<String> sanKeys(X509Certificate leaf) throws CertificateParsingException {
        var result = new HashSet<String>();
        var entries = leaf.getSubjectAlternativeNames();
        if (entries == null) {
            return result;
        }
        for (var entry : entries) {
            int type = (Integer) entry.get(0);
            var value = (String) entry.get(1);
            if (type == GeneralName.iPAddress) {
                result.add("ip:" + HexFormat.of().formatHex(ipOctets(value)));
            } else if (type == GeneralName.dNSName) {
                result.add("dns:" + value.toLowerCase(Locale.ROOT));
            } else {
                result.add("other:" + type);
            }
        }
        return result;
    }

    /** Address octets of an IP literal, however the JDK or the caller spelled it. */
    private static byte[] ipOctets(String text) {
        var name = new GeneralName(GeneralName.iPAddress, text);
        return ASN1OctetString.getInstance(name.getName()).getOctets();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
