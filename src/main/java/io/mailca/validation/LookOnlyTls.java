package io.mailca.validation;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS for validators that look at what a server presents without trusting it: an http-01
 * redirect to https is followed without checking the certificate (RFC 8555 §8.3), and
 * tls-alpn-01 judges the self-signed challenge certificate itself (RFC 8737 §3).
 */
final class LookOnlyTls {
    private LookOnlyTls() {
    }

    /** A fresh context that accepts any server certificate. */
    static SSLContext context() {
        var acceptAny = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            var context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {acceptAny}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is unavailable", e);
        }
    }
}
