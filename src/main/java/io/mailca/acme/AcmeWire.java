package io.mailca.acme;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mailca.registration.AccountService;
import io.mailca.registration.OrderService;
import io.mailca.store.Account;
import io.mailca.store.Authorization;
import io.mailca.store.Challenge;
import io.mailca.store.Order;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** The JSON objects of RFC 8555 §7.1, built from what registration returns. */
@ApplicationScoped
public class AcmeWire {
    private final AcmeUrls urls;

    AcmeWire(AcmeUrls urls) {
        this.urls = urls;
    }

    /** §7.1.2: status, contact and the orders URL. */
    ObjectNode account(Account account) {
        var node = AcmeJson.object();
        node.put("status", account.status);
        var contact = node.putArray("contact");
        AccountService.contactOf(account).forEach(contact::add);
        node.put("termsOfServiceAgreed", account.termsAgreed);
        node.put("orders", urls.orders(account.id));
        return node;
    }

    /** §7.1.3: every field the order's status requires. */
    ObjectNode order(Order order) {
        var node = AcmeJson.object();
        node.put("status", order.status);
        node.put("expires", time(order.expiresAt));
        var identifiers = node.putArray("identifiers");
        for (var identifier : OrderService.identifiersOf(order)) {
            identifiers.addObject().put("type", identifier.type()).put("value",
                    identifier.value());
        }
        var authorizations = node.putArray("authorizations");
        order.authorizationIds.forEach(id -> authorizations.add(urls.authorization(id)));
        node.put("finalize", urls.finalizeUrl(order.id));
        if (order.profile != null) {
            // draft-aaron-acme-profiles §4: the profile the certificate is issued under.
            node.put("profile", order.profile);
        }
        if (order.replaces != null) {
            // RFC 9773 §5: the server reflects replaces in the order.
            node.put("replaces", order.replaces);
        }
        if (order.certificateId != null && "valid".equals(order.status)) {
            node.put("certificate", urls.certificate(order.certificateId));
        }
        if (order.error != null && "invalid".equals(order.status)) {
            node.set("error", AcmeJson.parseObject(order.error.getBytes(
                    java.nio.charset.StandardCharsets.UTF_8), "stored error"));
        }
        return node;
    }

    /** §7.1.4: identifier, status, expires and the challenges. */
    ObjectNode authorization(Authorization authz, List<Challenge> challenges) {
        var node = AcmeJson.object();
        node.putObject("identifier").put("type", authz.identifierType)
                .put("value", authz.identifierValue);
        node.put("status", authz.status);
        node.put("expires", time(authz.expiresAt));
        var list = node.putArray("challenges");
        for (var challenge : challenges) {
            // A valid authorization lists only the challenge that made it valid (§7.1.4).
            if ("valid".equals(authz.status) && !"valid".equals(challenge.status)) {
                continue;
            }
            list.add(challenge(challenge));
        }
        if (authz.wildcard) {
            node.put("wildcard", true);
        }
        return node;
    }

    /** §7.1.5 and §8: type, url, status, token, and validated or error when known. */
    ObjectNode challenge(Challenge challenge) {
        var node = AcmeJson.object();
        node.put("type", challenge.type);
        node.put("url", urls.challenge(challenge.id));
        node.put("status", challenge.status);
        node.put("token", challenge.token);
        if (challenge.validatedAt != null && "valid".equals(challenge.status)) {
            node.put("validated", time(challenge.validatedAt));
        }
        if (challenge.error != null && "invalid".equals(challenge.status)) {
            node.set("error", AcmeJson.parseObject(challenge.error.getBytes(
                    java.nio.charset.StandardCharsets.UTF_8), "stored error"));
        }
        return node;
    }

    /** RFC 3339 in UTC, whole seconds. */
    static String time(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
