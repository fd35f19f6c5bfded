package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Security;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.shredzone.acme4j.util.CSRBuilder;
import org.shredzone.acme4j.util.KeyPairUtils;

/** Raw-HTTP issuance for tests that need a certificate to act on (§7.4, §7.4.2). */
final class Issuance {
    static {
        // acme4j's key and CSR helpers ask for the BC provider by name.
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
    }

    private Issuance() {
    }

    /** A certificate, its key, and the order it came from. */
    record Issued(X509Certificate leaf, KeyPair key, String orderUrl) {
        byte[] der() {
            try {
                return leaf.getEncoded();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static KeyPair certificateKey() {
        return KeyPairUtils.createECKeyPair("secp256r1");
    }

    /** A CSR (DER) for {@code names} signed by {@code key}, built with acme4j. */
    static byte[] csr(KeyPair key, String... names) {
        var builder = new CSRBuilder();
        builder.addDomains(names);
        try {
            builder.sign(key);
            return builder.getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String finalizePayload(byte[] csr) {
        return AcmeHttp.json(Map.of("csr", AccountKey.base64url(csr)));
    }

    /** Orders, validates, finalizes and downloads a certificate for {@code names}. */
    static Issued issue(AcmeHttp.Account account, String... names) {
        var order = AcmeHttp.readyOrder(account, names);
        var key = certificateKey();
        var orderUrl = order.location();
        var finalized = account.post(order.json().get("finalize").asText(),
                finalizePayload(csr(key, names)));
        assertThat(finalized.status()).as("finalize: %s", finalized).isEqualTo(200);
        var valid = AcmeHttp.pollUntil(account, orderUrl,
                o -> !"processing".equals(o.get("status").asText()));
        assertThat(valid.json().get("status").asText()).as("%s", valid).isEqualTo("valid");
        var chain = account.postAsGet(valid.json().get("certificate").asText());
        assertThat(chain.status()).as("%s", chain).isEqualTo(200);
        return new Issued(parseChain(chain.body()).get(0), key, orderUrl);
    }

    static List<X509Certificate> parseChain(String pem) {
        try {
            var factory = CertificateFactory.getInstance("X.509");
            return factory.generateCertificates(new ByteArrayInputStream(
                    pem.getBytes(StandardCharsets.US_ASCII))).stream()
                    .map(X509Certificate.class::cast).toList();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
