package io.mailca.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import io.mailca.store.Crls;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.cert.CRLReason;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.Test;

/** The CRL's encoding (RFC 5280 §5), read back by the JDK. */
class RevocationListsTest {
    private static final Instant THIS_UPDATE = Instant.parse("2026-12-03T10:00:00Z");
    private static final Instant NEXT_UPDATE = Instant.parse("2026-12-10T10:00:00Z");

    @Test
    void entriesCarryTimeAndReasonExceptUnspecified() throws Exception {
        var pki = TestPki.shared();
        var issuer = pki.hierarchy().intermediate();
        var key = new CertificateAuthority.SigningKey("intermediate-1", issuer,
                pki.intermediateKey(), null);
        var entries = List.of(
                new Crls.RevokedEntry("1f", Instant.parse("2026-12-01T08:00:00.700Z"), 0),
                new Crls.RevokedEntry("abc123", Instant.parse("2026-12-02T09:30:00Z"), 1));

        var der = RevocationLists.encode(key, entries, 42, THIS_UPDATE, NEXT_UPDATE);

        var crl = (X509CRL) CertificateFactory.getInstance("X.509")
                .generateCRL(new ByteArrayInputStream(der));
        crl.verify(issuer.getPublicKey());
        assertThat(crl.getVersion()).isEqualTo(2);
        assertThat(crl.getIssuerX500Principal()).isEqualTo(issuer.getSubjectX500Principal());
        assertThat(crl.getThisUpdate()).isEqualTo(Date.from(THIS_UPDATE));
        assertThat(crl.getNextUpdate()).isEqualTo(Date.from(NEXT_UPDATE));
        var number = ASN1Integer.getInstance(ASN1OctetString.getInstance(
                crl.getExtensionValue(Extension.cRLNumber.getId())).getOctets());
        assertThat(number.getValue()).isEqualTo(BigInteger.valueOf(42));

        var unspecified = crl.getRevokedCertificate(BigInteger.valueOf(0x1f));
        assertThat(unspecified.getRevocationDate())
                .isEqualTo(Date.from(Instant.parse("2026-12-01T08:00:00Z")));
        assertThat(unspecified.hasExtensions()).as("§5.3.1: no reasonCode for unspecified")
                .isFalse();
        var compromised = crl.getRevokedCertificate(new BigInteger("abc123", 16));
        assertThat(compromised.getRevocationReason()).isEqualTo(CRLReason.KEY_COMPROMISE);
        assertThat(crl.getRevokedCertificates()).hasSize(2);
    }

    @Test
    void emptyCrlHasNoEntries() throws Exception {
        var pki = TestPki.shared();
        var key = new CertificateAuthority.SigningKey("root", pki.hierarchy().root(),
                pki.keyStore().privateKey(Hierarchy.ROOT_ALIAS), null);

        var der = RevocationLists.encode(key, List.of(), 1, THIS_UPDATE, NEXT_UPDATE);

        var crl = (X509CRL) CertificateFactory.getInstance("X.509")
                .generateCRL(new ByteArrayInputStream(der));
        crl.verify(pki.hierarchy().root().getPublicKey());
        assertThat(crl.getRevokedCertificates()).isNull();
    }
}
