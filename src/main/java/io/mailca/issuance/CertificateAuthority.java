package io.mailca.issuance;

import io.mailca.store.Authorities;
import io.mailca.store.Authority;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The corporate CA as the rest of MailCA sees it: created once, then loaded; checks CSRs and
 * signs leaf certificates with the issuing intermediate.
 *
 * <p>Creation is guarded by a database lock ({@link Authorities#lockForCreation()}), so two
 * processes starting together on one database create one CA, not two. The keys stay in the
 * PKCS#12 keystore under the data directory or, with {@code mailca.ca.key-storage=PKCS11}, in
 * a PKCS#11 token that generated them ({@link Pkcs11Token}); the database keeps the
 * certificates.
 *
 * <p>Every leaf carries CRL Distribution Points (RFC 5280 §4.2.1.13) and an OCSP pointer in
 * Authority Information Access (RFC 5280 §4.2.2.1), derived from
 * {@code mailca.public.base-url} unless configured.
 */
@ApplicationScoped
public class CertificateAuthority {
    private static final Logger LOG = Logger.getLogger(CertificateAuthority.class);

    /** The CA's settings, from {@code mailca.*} properties. */
    public record Settings(String dataDir, List<String> domains, String organization,
            KeyAlgorithm keyAlgorithm, Optional<String> keystorePassword,
            Optional<Path> keystorePasswordFile, Optional<String> crlUrl,
            Optional<String> ocspUrl, String publicBaseUrl, Duration leafValidity,
            String keyStorage, Optional<Pkcs11Token.Settings> pkcs11,
            Optional<String> pkcs11Pin, Optional<Path> pkcs11PinFile) {
    }

    /** A CA certificate with the key that signs for it, for CRLs and OCSP signers. */
    record SigningKey(String authorityId, X509Certificate certificate, PrivateKey key,
            String provider) {
    }

    /** What finalize asks to have signed. */
    public record RequestedCertificate(PublicKey publicKey, List<String> names) {
    }

    /** A signed leaf and what the store records of it. */
    public record SignedCertificate(String serialHex, String issuerId, String leafPem,
            String spkiSha256, Instant notBefore, Instant notAfter) {
    }

    private final Settings settings;
    private final Authorities authorities;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final SerialNumbers serials = new SerialNumbers(random);

    private volatile Loaded loaded;
    private CaKeys keys;

    private record Loaded(X509Certificate root, X509Certificate issuing, String issuingId,
            CertificateSigner signer, SigningKey rootKey, SigningKey issuingKey) {
    }

    @Inject
    CertificateAuthority(Authorities authorities, Clock clock,
            @ConfigProperty(name = "mailca.data-dir", defaultValue = "data") String dataDir,
            @ConfigProperty(name = "mailca.domains") List<String> domains,
            @ConfigProperty(name = "mailca.organization", defaultValue = "MailCA Example")
            String organization,
            @ConfigProperty(name = "mailca.ca.key-algorithm", defaultValue = "EC_P256")
            KeyAlgorithm keyAlgorithm,
            @ConfigProperty(name = "mailca.ca.keystore-password")
            Optional<String> keystorePassword,
            @ConfigProperty(name = "mailca.ca.keystore-password-file")
            Optional<Path> keystorePasswordFile,
            @ConfigProperty(name = "mailca.ca.crl-url") Optional<String> crlUrl,
            @ConfigProperty(name = "mailca.ca.ocsp-url") Optional<String> ocspUrl,
            @ConfigProperty(name = "mailca.public.base-url") String publicBaseUrl,
            @ConfigProperty(name = "mailca.certificate.validity", defaultValue = "P90D")
            Duration leafValidity,
            @ConfigProperty(name = "mailca.ca.key-storage", defaultValue = "PKCS12")
            String keyStorage,
            @ConfigProperty(name = "mailca.ca.pkcs11.library") Optional<String> pkcs11Library,
            @ConfigProperty(name = "mailca.ca.pkcs11.slot") Optional<Long> pkcs11Slot,
            @ConfigProperty(name = "mailca.ca.pkcs11.slot-list-index")
            Optional<Integer> pkcs11SlotListIndex,
            @ConfigProperty(name = "mailca.ca.pkcs11.token-label")
            Optional<String> pkcs11TokenLabel,
            @ConfigProperty(name = "mailca.ca.pkcs11.pin") Optional<String> pkcs11Pin,
            @ConfigProperty(name = "mailca.ca.pkcs11.pin-file") Optional<Path> pkcs11PinFile) {
        this(new Settings(dataDir, domains, organization, keyAlgorithm, keystorePassword,
                keystorePasswordFile, crlUrl, ocspUrl, publicBaseUrl, leafValidity,
                keyStorage.strip().toUpperCase(Locale.ROOT),
                pkcs11Library.map(library -> new Pkcs11Token.Settings(library, pkcs11Slot,
                        pkcs11SlotListIndex, pkcs11TokenLabel)),
                pkcs11Pin, pkcs11PinFile),
                authorities, clock);
    }

    CertificateAuthority(Settings settings, Authorities authorities, Clock clock) {
        this.settings = settings;
        this.authorities = authorities;
        this.clock = clock;
    }

    /**
     * Creates the CA if this database has none, otherwise loads it, and checks that every
     * configured mail domain lies within the CA's Name Constraints: a domain added after the
     * CA was created cannot be certified by it (docs/operations.md says what to do).
     *
     * @return true when this call created the CA
     */
    public synchronized boolean bootstrap() {
        var created = QuarkusTransaction.requiringNew().call(this::createOrFind);
        load();
        checkDomainsPermitted();
        return created;
    }

    /** The corporate root, which employees import into their mail clients. */
    public X509Certificate root() {
        return current().root();
    }

    /** The issuing intermediate that signs leaves now. */
    public X509Certificate issuing() {
        return current().issuing();
    }

    /** RFC 8555 §7.4: the CSR's form, signature and key; the caller compares the names. */
    public CheckedCsr checkCsr(byte[] der) throws BadCsrException {
        return CsrCheck.parse(der);
    }

    /**
     * Signs a leaf. {@code serialUnused} lets the caller veto a serial the store already holds,
     * so that no serial is ever used twice even across CA key generations.
     */
    public SignedCertificate issue(RequestedCertificate request, Predicate<String> serialUnused) {
        return issue(request, settings.leafValidity(), serialUnused);
    }

    /**
     * Signs a leaf valid for {@code validity} (the order's certificate profile,
     * {@link CertificateProfiles}) from five minutes before now.
     */
    public SignedCertificate issue(RequestedCertificate request, Duration validity,
            Predicate<String> serialUnused) {
        var ca = current();
        var serial = serials.next();
        while (!serialUnused.test(serial.toString(16))) {
            serial = serials.next();
        }
        // Backdated a little: a mail server whose clock runs slow still accepts it. Never
        // before the issuer, and the validity counts from the notBefore the leaf really
        // carries, so a profile's lifetime is exact (the signer would move it up otherwise).
        var notBefore = clock.instant().minus(Duration.ofMinutes(5))
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        var issuerNotBefore = ca.issuing().getNotBefore().toInstant();
        if (notBefore.isBefore(issuerNotBefore)) {
            notBefore = issuerNotBefore;
        }
        var notAfter = notBefore.plus(validity);
        var leaf = ca.signer().issue(new LeafRequest(request.publicKey(), request.names(),
                notBefore, notAfter, serial, crlUrl(ca.issuingId()), ocspUrl(),
                issuingCertificateUrl()));
        return new SignedCertificate(serial.toString(16), ca.issuingId(), Pem.certificate(leaf),
                Fingerprints.spkiSha256Hex(leaf.getPublicKey()),
                leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
    }

    /** The chain served to ACME clients: leaf, then its issuer; never the root. */
    public String chainPem(String leafPem, String issuerId) {
        var ca = current();
        if (ca.issuingId().equals(issuerId)) {
            return leafPem + Pem.certificate(ca.issuing());
        }
        var issuer = authorities.byId(issuerId).orElseThrow();
        return leafPem + issuer.certificatePem;
    }

    /** Where the issuing certificate is published (AIA caIssuers, RFC 5280 §4.2.2.1). */
    public String issuingCertificateUrl() {
        return publicBase() + "/ca/intermediate.der";
    }

    public String rootCertificateUrl() {
        return publicBase() + "/ca/root.der";
    }

    /**
     * The CRL of the CA {@code authorityId} (RFC 5280 §4.2.1.13): {@code mailca.ca.crl-url}
     * with {@code {issuer-id}} replaced, or {@code <public base>/crl/<id>.crl}.
     */
    public String crlUrl(String authorityId) {
        return settings.crlUrl().filter(url -> !url.isBlank())
                .map(url -> url.strip().replace("{issuer-id}", authorityId))
                .orElse(publicBase() + "/crl/" + authorityId + ".crl");
    }

    /** The OCSP responder (RFC 6960): {@code mailca.ca.ocsp-url} or {@code <base>/ocsp}. */
    public String ocspUrl() {
        return settings.ocspUrl().filter(url -> !url.isBlank()).map(String::strip)
                .orElse(publicBase() + "/ocsp");
    }

    /** The id of the issuing CA that signs leaves now. */
    public String issuingId() {
        return current().issuingId();
    }

    /** The organization named in the CA's certificates. */
    public String organization() {
        return settings.organization();
    }

    /** True once {@link #bootstrap()} has loaded the CA. */
    public boolean isLoaded() {
        return loaded != null;
    }

    /** {@code PKCS12} or {@code PKCS11}: where the CA keys live. */
    public String keyStorage() {
        return keys().storage();
    }

    /** The CAs whose keys this process holds: the root and the issuing intermediate. */
    List<SigningKey> signingKeys() {
        var ca = current();
        return List.of(ca.rootKey(), ca.issuingKey());
    }

    Optional<SigningKey> signingKey(String authorityId) {
        return signingKeys().stream().filter(k -> k.authorityId().equals(authorityId))
                .findFirst();
    }

    /** The key storage, for keys that are generated but never stored (OCSP signers). */
    CaKeys keys() {
        synchronized (this) {
            if (keys == null) {
                keys = openKeys();
            }
            return keys;
        }
    }

    private String publicBase() {
        var base = settings.publicBaseUrl();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    private Loaded current() {
        var ca = loaded;
        if (ca == null) {
            throw new IllegalStateException("the CA is not loaded yet");
        }
        return ca;
    }

    private boolean createOrFind() {
        authorities.lockForCreation();
        if (authorities.root().isPresent()) {
            return false;
        }
        var keyStore = keys();
        Hierarchy hierarchy;
        try {
            if (keyStore.contains(Hierarchy.ROOT_ALIAS)) {
                // A shared keystore (a mounted secret) or token that another deployment filled.
                hierarchy = Hierarchy.load(keyStore);
            } else {
                hierarchy = Hierarchy.create(profile(), keyStore, clock, random);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the CA keys to "
                    + keyStore.description(), e);
        }
        var now = clock.instant();
        var storage = keyStore.storage();
        authorities.add(authority(Hierarchy.ROOT_ALIAS, Authority.ROOT, hierarchy.root(), now,
                storage));
        authorities.add(authority(Hierarchy.INTERMEDIATE_ALIAS, Authority.ISSUING,
                hierarchy.intermediate(), now, storage));
        LOG.infof("Created the corporate CA for %s (%s keys in %s)", settings.domains(),
                settings.keyAlgorithm(), keyStore.description());
        return true;
    }

    private void load() {
        var rows = QuarkusTransaction.requiringNew().call(() -> {
            var root = authorities.root().orElseThrow();
            var issuing = authorities.activeIssuing().orElseThrow();
            return List.of(root, issuing);
        });
        var rootRow = rows.get(0);
        var root = Pem.readCertificates(rootRow.certificatePem).get(0);
        var issuingRow = rows.get(1);
        var issuing = Pem.readCertificates(issuingRow.certificatePem).get(0);
        var keyStore = keys();
        if (!keyStore.storage().equals(issuingRow.keyStorage)) {
            throw new IllegalStateException("the issuing CA's key is recorded in "
                    + issuingRow.keyStorage + " storage, but mailca.ca.key-storage is "
                    + keyStore.storage());
        }
        try {
            var stored = keyStore.certificate(issuingRow.keyRef);
            if (stored == null || !stored.equals(issuing)) {
                throw new IllegalStateException("the key storage " + keyStore.description()
                        + " does not hold the key of the issuing CA recorded in the database");
            }
            var provider = keyStore.provider();
            var issuingKey = keyStore.privateKey(issuingRow.keyRef);
            var signer = new CertificateSigner(issuingKey, issuing, provider);
            var rootKey = new SigningKey(rootRow.id, root,
                    keyStore.privateKey(rootRow.keyRef), provider);
            loaded = new Loaded(root, issuing, issuingRow.id, signer, rootKey,
                    new SigningKey(issuingRow.id, issuing, issuingKey, provider));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CA keys from "
                    + keyStore.description(), e);
        }
    }

    private void checkDomainsPermitted() {
        var permitted = permittedDomains(issuing());
        var outside = new ArrayList<String>();
        for (var domain : settings.domains()) {
            var name = domain.trim().toLowerCase(Locale.ROOT);
            var covered = permitted.stream()
                    .anyMatch(p -> name.equals(p) || name.endsWith("." + p));
            if (!covered) {
                outside.add(name);
            }
        }
        if (!outside.isEmpty()) {
            throw new IllegalStateException("mail domain(s) " + outside + " lie outside the"
                    + " CA's Name Constraints " + permitted + "; a signed constraint cannot be"
                    + " widened: create a new CA for them (see docs/operations.md)");
        }
    }

    /** The dNSName subtrees an issuing certificate's Name Constraints permit. */
    public static Set<String> permittedDomains(X509Certificate certificate) {
        try {
            var holder = new JcaX509CertificateHolder(certificate);
            var extension = holder.getExtension(Extension.nameConstraints);
            if (extension == null) {
                return Set.of();
            }
            var constraints = NameConstraints.getInstance(extension.getParsedValue());
            var names = new java.util.TreeSet<String>();
            if (constraints.getPermittedSubtrees() != null) {
                for (var subtree : constraints.getPermittedSubtrees()) {
                    var base = subtree.getBase();
                    if (base.getTagNo() == GeneralName.dNSName) {
                        names.add(ASN1IA5String.getInstance(base.getName()).getString()
                                .toLowerCase(Locale.ROOT));
                    }
                }
            }
            return names;
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private CaProfile profile() {
        // The intermediate points at the root's CRL, which lists revoked intermediates.
        return new CaProfile(settings.organization(), settings.domains(),
                settings.keyAlgorithm(), crlUrl(Hierarchy.ROOT_ALIAS), null,
                rootCertificateUrl(), Period.ofYears(20), Period.ofYears(10));
    }

    private CaKeys openKeys() {
        try {
            return switch (settings.keyStorage()) {
                case "PKCS12" -> CaKeyStore.open(Path.of(settings.dataDir()), password(),
                        random);
                case "PKCS11" -> Pkcs11Token.open(settings.pkcs11().orElseThrow(
                        () -> new IllegalStateException("mailca.ca.key-storage=PKCS11 needs"
                                + " mailca.ca.pkcs11.library")), pin());
                default -> throw new IllegalStateException("mailca.ca.key-storage must be"
                        + " PKCS12 or PKCS11, not " + settings.keyStorage());
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the CA key storage: " + e.getMessage(),
                    e);
        }
    }

    private char[] pin() {
        var given = settings.pkcs11Pin();
        if (given.isPresent() && !given.get().isEmpty()) {
            return given.get().toCharArray();
        }
        var file = settings.pkcs11PinFile();
        if (file.isPresent()) {
            try {
                return Files.readString(file.get(), StandardCharsets.UTF_8).strip().toCharArray();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read mailca.ca.pkcs11.pin-file", e);
            }
        }
        return null;
    }

    private char[] password() {
        var given = settings.keystorePassword();
        if (given.isPresent() && !given.get().isEmpty()) {
            return given.get().toCharArray();
        }
        var file = settings.keystorePasswordFile();
        if (file.isPresent()) {
            try {
                return Files.readString(file.get(), StandardCharsets.UTF_8).strip().toCharArray();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read mailca.ca.keystore-password-file", e);
            }
        }
        return null;
    }

    private static Authority authority(String alias, String role, X509Certificate certificate,
            Instant now, String storage) {
        var row = new Authority();
        row.id = alias;
        row.role = role;
        row.certificatePem = Pem.certificate(certificate);
        row.keyStorage = storage;
        row.keyRef = alias;
        row.spkiSha256 = Fingerprints.spkiSha256Hex(certificate.getPublicKey());
        row.active = true;
        row.createdAt = now;
        return row;
    }
}
