package io.mailca.issuance;

import io.mailca.store.Certificates;
import io.mailca.store.IssuedCertificate;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.RevokedInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The OCSP responder (RFC 6960) for the leaves of the issuing CA.
 *
 * <p>Responses are signed by a delegated OCSP signing certificate (§4.2.2.2) that the issuing
 * CA issues to a key this process generates at start, in the PKCS#11 token when the CA keys
 * live there and otherwise in memory; that key is never written anywhere. The certificate
 * carries id-kp-OCSPSigning and id-pkix-ocsp-nocheck (§4.2.2.2.1), lives
 * {@code mailca.ocsp.signer-validity} (4 days) and is re-issued when half of that has passed.
 * Each replica has its own signer; all answer alike because the status comes from the
 * database.
 *
 * <p>Statuses: {@code good} for a certificate MailCA issued and has not revoked,
 * {@code revoked} with time and reason, {@code unknown} for any other serial or issuer
 * (§2.2). The nonce extension (§4.4.1) is echoed. A request that does not parse gets the
 * {@code malformedRequest} response status (§2.3), never an HTTP error.
 */
@ApplicationScoped
public class OcspResponder {
    private static final Logger LOG = Logger.getLogger(OcspResponder.class);

    /** More certificates than a client checks at once is not a status request. */
    static final int MAX_REQUESTS = 20;

    private final CertificateAuthority ca;
    private final Certificates certificates;
    private final Clock clock;
    private final Duration responseValidity;
    private final Duration signerValidity;
    private final SecureRandom random = new SecureRandom();
    private final SerialNumbers serials = new SerialNumbers(random);
    private final DigestCalculatorProvider digests;

    private volatile Delegate delegate;

    /** The delegated signer: its key handle, certificate and the issuer it signs for. */
    record Delegate(String issuerId, PrivateKey key, X509Certificate certificate,
            X509CertificateHolder issuer, String provider) {
    }

    @Inject
    OcspResponder(CertificateAuthority ca, Certificates certificates, Clock clock,
            @ConfigProperty(name = "mailca.ocsp.response-validity", defaultValue = "PT1H")
            Duration responseValidity,
            @ConfigProperty(name = "mailca.ocsp.signer-validity", defaultValue = "P4D")
            Duration signerValidity) {
        this.ca = ca;
        this.certificates = certificates;
        this.clock = clock;
        this.responseValidity = responseValidity;
        this.signerValidity = signerValidity;
        try {
            this.digests = new JcaDigestCalculatorProviderBuilder().build();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("no digest calculators", e);
        }
    }

    /**
     * Answers one DER OCSPRequest with a DER OCSPResponse; never throws for bad input.
     */
    public byte[] respond(byte[] requestDer) {
        OCSPReq request;
        try {
            request = new OCSPReq(requestDer);
            if (request.getRequestList().length == 0
                    || request.getRequestList().length > MAX_REQUESTS) {
                return status(OCSPRespBuilder.MALFORMED_REQUEST);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debugf("Malformed OCSP request: %s", e.getMessage());
            return status(OCSPRespBuilder.MALFORMED_REQUEST);
        }
        try {
            return sign(request);
        } catch (RuntimeException | OCSPException e) {
            LOG.errorf(e, "Could not answer an OCSP request");
            return status(OCSPRespBuilder.INTERNAL_ERROR);
        }
    }

    /** The delegated OCSP signing certificate in use, issuing it first if needed. */
    public X509Certificate signerCertificate() {
        return currentDelegate().certificate();
    }

    private byte[] sign(OCSPReq request) throws OCSPException {
        var signer = currentDelegate();
        var now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        var builder = new BasicOCSPRespBuilder(
                SubjectPublicKeyInfo.getInstance(signer.certificate().getPublicKey()
                        .getEncoded()),
                digest(CertificateID.HASH_SHA1));
        for (var single : request.getRequestList()) {
            var id = single.getCertID();
            builder.addResponse(id, status(id, signer), Date.from(now),
                    Date.from(now.plus(responseValidity)), null);
        }
        var nonce = request.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
        if (nonce != null) {
            builder.setResponseExtensions(new Extensions(nonce));
        }
        var contentSigner = ContentSigners.of(signer.key(),
                KeyAlgorithm.of(signer.certificate().getPublicKey()), signer.provider());
        var basic = builder.build(contentSigner,
                new X509CertificateHolder[] {holder(signer.certificate())}, Date.from(now));
        try {
            return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, basic).getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private CertificateStatus status(CertificateID id, Delegate signer) {
        try {
            if (!id.matchesIssuer(signer.issuer(), digests)) {
                return new UnknownStatus();
            }
        } catch (OCSPException e) {
            // A hash algorithm this responder cannot compute: not an issuer it knows.
            return new UnknownStatus();
        }
        var serialHex = id.getSerialNumber().toString(16);
        var stored = QuarkusTransaction.requiringNew().call(() -> certificates
                .bySerial(serialHex).filter(c -> c.issuerId.equals(signer.issuerId()))
                .map(c -> new Stored(c.status, c.revokedAt, c.revocationReason))
                .orElse(null));
        if (stored == null) {
            return new UnknownStatus();
        }
        if (!IssuedCertificate.REVOKED.equals(stored.status())) {
            return CertificateStatus.GOOD;
        }
        var time = new ASN1GeneralizedTime(Date.from(stored.revokedAt()
                .truncatedTo(ChronoUnit.SECONDS)));
        var reason = stored.reason() == null ? 0 : stored.reason();
        // As on the CRL (RFC 5280 §5.3.1): unspecified is left out rather than stated.
        return new RevokedStatus(new RevokedInfo(time,
                reason == CRLReason.unspecified ? null : CRLReason.lookup(reason)));
    }

    /** What the store says of one certificate, read inside its transaction. */
    private record Stored(String status, Instant revokedAt, Integer reason) {
    }

    private synchronized Delegate currentDelegate() {
        var current = delegate;
        var now = clock.instant();
        if (current != null && current.issuerId().equals(ca.issuingId())) {
            var issued = current.certificate().getNotBefore().toInstant();
            var expires = current.certificate().getNotAfter().toInstant();
            var halfway = issued.plus(Duration.between(issued, expires).dividedBy(2));
            if (now.isBefore(halfway)) {
                return current;
            }
        }
        delegate = issueDelegate(now);
        return delegate;
    }

    /** RFC 6960 §4.2.2.2: a certificate for the responder, issued by the CA itself. */
    private Delegate issueDelegate(Instant now) {
        var issuer = ca.signingKey(ca.issuingId()).orElseThrow();
        var issuerCertificate = issuer.certificate();
        var algorithm = KeyAlgorithm.of(issuerCertificate.getPublicKey());
        var keys = ca.keys().generate(algorithm, random);
        var notBefore = now.truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(5));
        var notAfter = notBefore.plus(signerValidity);
        if (notAfter.isAfter(issuerCertificate.getNotAfter().toInstant())) {
            notAfter = issuerCertificate.getNotAfter().toInstant();
        }
        var organization = ca.organization();
        var subject = Hierarchy.name(organization, organization + " Mail OCSP Responder");
        var builder = new JcaX509v3CertificateBuilder(issuerCertificate, serials.next(),
                Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic());
        var extensions = Hierarchy.extensionUtils();
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning));
            // §4.2.2.2.1: clients need not check the signer's own revocation status.
            builder.addExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nocheck, false,
                    DERNull.INSTANCE);
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(keys.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    extensions.createAuthorityKeyIdentifier(issuerCertificate.getPublicKey()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode OCSP signer extensions", e);
        }
        var certificate = ContentSigners.toJca(builder.build(
                ContentSigners.of(issuer.key(), algorithm, issuer.provider())));
        LOG.infof("Issued the OCSP signing certificate %s, valid until %s",
                certificate.getSerialNumber().toString(16), notAfter);
        return new Delegate(issuer.authorityId(), keys.getPrivate(), certificate,
                holder(issuerCertificate), ca.keys().provider());
    }

    private DigestCalculator digest(AlgorithmIdentifier algorithm) {
        try {
            return digests.get(algorithm);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("no SHA-1 for the responder key hash", e);
        }
    }

    private static X509CertificateHolder holder(X509Certificate certificate) {
        try {
            return new JcaX509CertificateHolder(certificate);
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] status(int responseStatus) {
        try {
            return new OCSPRespBuilder().build(responseStatus, null).getEncoded();
        } catch (IOException | OCSPException e) {
            throw new IllegalStateException("cannot encode an OCSP response status", e);
        }
    }
}
