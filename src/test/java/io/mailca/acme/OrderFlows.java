package io.mailca.acme;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Orders with the newOrder fields of RFC 9773 ({@code replaces}) and profiles, end to end. */
final class OrderFlows {
    private OrderFlows() {
    }

    /** A newOrder payload for {@code names} with extra members (profile, replaces). */
    static String payload(Map<String, Object> extra, String... names) {
        var payload = new LinkedHashMap<String, Object>();
        payload.put("identifiers", Arrays.stream(names)
                .map(n -> Map.of("type", "dns", "value", n)).toList());
        payload.putAll(extra);
        return AcmeHttp.json(payload);
    }

    /** Validates every pending authorization of a created order and finalizes it. */
    static Issuance.Issued complete(AcmeHttp.Account account, AcmeHttp.Reply created,
            String... names) {
        assertThat(created.status()).as("newOrder: %s", created).isEqualTo(201);
        var orderUrl = created.location();
        for (var authz : created.json().get("authorizations")) {
            var authzUrl = authz.asText();
            if ("valid".equals(account.postAsGet(authzUrl).json().get("status").asText())) {
                continue;
            }
            AcmeHttp.triggerHttp01(account, authzUrl);
            AcmeHttp.pollUntil(account, authzUrl, AcmeHttp.statusIsNot("pending"));
        }
        var ready = AcmeHttp.pollUntil(account, orderUrl, AcmeHttp.statusIsNot("pending"));
        assertThat(ready.json().get("status").asText()).as("%s", ready).isEqualTo("ready");
        var key = Issuance.certificateKey();
        var finalized = account.post(ready.json().get("finalize").asText(),
                Issuance.finalizePayload(Issuance.csr(key, names)));
        assertThat(finalized.status()).as("finalize: %s", finalized).isEqualTo(200);
        var valid = AcmeHttp.pollUntil(account, orderUrl, AcmeHttp.statusIsNot("processing"));
        assertThat(valid.json().get("status").asText()).as("%s", valid).isEqualTo("valid");
        var chain = account.postAsGet(valid.json().get("certificate").asText());
        return new Issuance.Issued(Issuance.parseChain(chain.body()).get(0), key, orderUrl);
    }

    /** Places an order with extra members and completes it. */
    static Issuance.Issued issue(AcmeHttp.Account account, Map<String, Object> extra,
            String... names) {
        return complete(account, account.post(AcmeHttp.NEW_ORDER, payload(extra, names)),
                names);
    }
}
