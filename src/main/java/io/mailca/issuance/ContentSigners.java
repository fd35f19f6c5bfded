package io.mailca.issuance;

import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Bouncy Castle content signers over JCA keys. The provider name lets a key that lives in a
 * PKCS#11 token sign inside the token; null lets the JCA pick a provider for the key.
 */
final class ContentSigners {
    private ContentSigners() {
    }

    static ContentSigner of(PrivateKey key, KeyAlgorithm algorithm, String provider) {
        var builder = new JcaContentSignerBuilder(algorithm.signatureAlgorithm());
        if (provider != null) {
            builder.setProvider(provider);
        }
        try {
            return builder.build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign with " + algorithm, e);
        }
    }

    /** The JDK's view of a certificate Bouncy Castle has built. */
    static X509Certificate toJca(X509CertificateHolder holder) {
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new IllegalStateException("signed certificate does not decode", e);
        }
    }
}
