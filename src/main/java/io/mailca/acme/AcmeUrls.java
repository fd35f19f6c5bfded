package io.mailca.acme;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The absolute URLs of the ACME resources (RFC 8555 §7.1), built from the configured public
 * base URL so that every replica behind a load balancer advertises the same ones.
 */
@ApplicationScoped
public class AcmeUrls {
    static final String ROOT = "/acme";

    private final String base;

    AcmeUrls(@ConfigProperty(name = "mailca.acme.base-url") String baseUrl) {
        this.base = (baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl)
                + ROOT;
    }

    /** The URL a request was addressed to, as the JWS {@code url} must name it (§6.4). */
    public String requestUrl(String rawPath, String rawQuery) {
        var origin = base.substring(0, base.length() - ROOT.length());
        return origin + rawPath + (rawQuery == null || rawQuery.isEmpty() ? "" : "?" + rawQuery);
    }

    public String directory() {
        return base + "/directory";
    }

    public String newNonce() {
        return base + "/new-nonce";
    }

    public String newAccount() {
        return base + "/new-account";
    }

    public String newOrder() {
        return base + "/new-order";
    }

    public String revokeCert() {
        return base + "/revoke-cert";
    }

    public String keyChange() {
        return base + "/key-change";
    }

    public String accountPrefix() {
        return base + "/acct/";
    }

    public String account(String id) {
        return accountPrefix() + id;
    }

    public String orders(String accountId) {
        return account(accountId) + "/orders";
    }

    public String order(String id) {
        return base + "/order/" + id;
    }

    public String finalizeUrl(String orderId) {
        return order(orderId) + "/finalize";
    }

    public String authorization(String id) {
        return base + "/authz/" + id;
    }

    public String challenge(String id) {
        return base + "/chall/" + id;
    }

    public String certificate(String id) {
        return base + "/cert/" + id;
    }

    /** RFC 9773 §4: the base of the renewalInfo URLs; the certID follows after a slash. */
    public String renewalInfo() {
        return base + "/renewal-info";
    }

    /** RFC 8555 §7.4.1: pre-authorization. */
    public String newAuthz() {
        return base + "/new-authz";
    }
}
