package io.mailca.acme;

import com.fasterxml.jackson.databind.JsonNode;
import io.mailca.acme.JwsVerifier.KeyMode;
import io.mailca.issuance.CertificateAuthority;
import io.mailca.issuance.CertificateProfiles;
import io.mailca.registration.AccountService;
import io.mailca.registration.AccountService.ExternalBinding;
import io.mailca.registration.AccountService.NewAccount;
import io.mailca.registration.AcmeProblem;
import io.mailca.registration.AuthorizationService;
import io.mailca.registration.AuthorizationService.ValidationTask;
import io.mailca.registration.Identifier;
import io.mailca.registration.OrderService;
import io.mailca.registration.OrderService.NewOrder;
import io.mailca.registration.ProblemType;
import io.mailca.registration.RevocationService;
import io.mailca.registration.ValidationWorker;
import io.mailca.store.Certificates;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The ACME resources of RFC 8555 §7. Each method authenticates the request, decodes its
 * payload, hands the decision to {@code registration}, and writes the response; no state
 * changes here.
 */
@Path(AcmeUrls.ROOT)
public class AcmeResource {
    private static final int ORDERS_PAGE = 50;

    private final JwsVerifier jws;
    private final AcmeUrls urls;
    private final AcmeWire wire;
    private final AcmeResponses responses;
    private final AccountService accounts;
    private final OrderService orders;
    private final AuthorizationService authorizations;
    private final RevocationService revocations;
    private final ValidationWorker validations;
    private final CertificateAuthority ca;
    private final Certificates certificates;
    private final String termsOfService;
    private final String website;
    private final List<String> caaIdentities;
    private final boolean externalAccountRequired;

    // Injected by field so that the constructor other changes touch stays as it is.
    @Inject
    CertificateProfiles profiles;

    @ConfigProperty(name = "mailca.acme.pre-authorization", defaultValue = "false")
    boolean preAuthorization;

    AcmeResource(JwsVerifier jws, AcmeUrls urls, AcmeWire wire, AcmeResponses responses,
            AccountService accounts, OrderService orders, AuthorizationService authorizations,
            RevocationService revocations, ValidationWorker validations,
            CertificateAuthority ca, Certificates certificates,
            @ConfigProperty(name = "mailca.acme.terms-of-service") Optional<String> terms,
            @ConfigProperty(name = "mailca.acme.website") Optional<String> website,
            @ConfigProperty(name = "mailca.acme.caa-identities") List<String> caaIdentities,
            @ConfigProperty(name = "mailca.acme.external-account-required",
                    defaultValue = "false") boolean externalAccountRequired) {
        this.jws = jws;
        this.urls = urls;
        this.wire = wire;
        this.responses = responses;
        this.accounts = accounts;
        this.orders = orders;
        this.authorizations = authorizations;
        this.revocations = revocations;
        this.validations = validations;
        this.ca = ca;
        this.certificates = certificates;
        this.termsOfService = terms.orElse(null);
        this.website = website.orElse(null);
        this.caaIdentities = caaIdentities;
        this.externalAccountRequired = externalAccountRequired;
    }

    /** §7.1.1: the directory, with a {@code meta} object of correctly typed fields. */
    @GET
    @Path("directory")
    public Response directory() {
        var node = AcmeJson.object();
        node.put("newNonce", urls.newNonce());
        node.put("newAccount", urls.newAccount());
        node.put("newOrder", urls.newOrder());
        node.put("revokeCert", urls.revokeCert());
        node.put("keyChange", urls.keyChange());
        if (preAuthorization) {
            node.put("newAuthz", urls.newAuthz());
        }
        node.put("renewalInfo", urls.renewalInfo());
        var meta = node.putObject("meta");
        if (termsOfService != null) {
            meta.put("termsOfService", termsOfService);
        }
        if (website != null) {
            meta.put("website", website);
        }
        var caa = meta.putArray("caaIdentities");
        caaIdentities.forEach(caa::add);
        meta.put("externalAccountRequired", externalAccountRequired);
        // draft-aaron-acme-profiles §3: profile name -> description a person reads.
        var offered = meta.putObject("profiles");
        profiles.all().values().forEach(p -> offered.put(p.name(), p.description()));
        return Response.ok(AcmeJson.bytes(node)).header("Content-Type", AcmeResponses.JSON)
                .build();
    }

    /** §7.2: HEAD answers 200, GET 204, both with a fresh nonce that no cache may keep. */
    @HEAD
    @Path("new-nonce")
    public Response newNonceHead() {
        return nonceResponse(200);
    }

    @GET
    @Path("new-nonce")
    public Response newNonceGet() {
        return nonceResponse(204);
    }

    /** §7.3: creates an account, or finds the one of this key. */
    @POST
    @Path("new-account")
    public Response newAccount(@HeaderParam("Content-Type") String type, byte[] body,
            @Context UriInfo uri, RoutingContext context) {
        var request = verify(type, body, uri, KeyMode.JWK, context);
        var payload = objectPayload(request);
        var eab = payload.get("externalAccountBinding");
        Supplier<ExternalBinding> binding = eab == null || eab.isNull() ? null
                : () -> jws.externalBinding(eab, request);
        var newAccount = new NewAccount(stringList(payload, "contact"),
                optionalBoolean(payload, "termsOfServiceAgreed"),
                Boolean.TRUE.equals(optionalBoolean(payload, "onlyReturnExisting")), binding);

        var registration = accounts.register(request.thumbprint(), request.jwkJson(),
                newAccount);

        var account = registration.account();
        context.put(AccessLog.ACCOUNT, account.id);
        return responses.json(registration.created() ? 201 : 200, wire.account(account))
                .header("Location", urls.account(account.id)).build();
    }

    /** §7.3.2, §7.3.6: reads (POST-as-GET), updates or deactivates an account. */
    @POST
    @Path("acct/{id}")
    public Response account(@PathParam("id") String id, @HeaderParam("Content-Type") String type,
            byte[] body, @Context UriInfo uri, RoutingContext context) {
        var request = verify(type, body, uri, KeyMode.KID, context);
        if (!request.account().id.equals(id)) {
            throw new AcmeProblem(ProblemType.UNAUTHORIZED,
                    "the kid does not match the account URL");
        }

        var account = request.account();
        if (!request.isPostAsGet()) {
            var payload = request.payload();
            account = accounts.update(id, stringList(payload, "contact"),
                    AcmeJson.optionalString(payload, "status"));
        }
        return responses.json(200, wire.account(account))
                .header("Location", urls.account(account.id)).build();
    }

    /** §7.1.2.1: the account's orders, fifty to a page, with {@code Link rel="next"}. */
    @POST
    @Path("acct/{id}/orders")
    public Response accountOrders(@PathParam("id") String id, @QueryParam("cursor") String cursor,
            @HeaderParam("Content-Type") String type, byte[] body, @Context UriInfo uri,
            RoutingContext context) {
        var request = verify(type, body, uri, KeyMode.KID, context);
        requirePostAsGet(request);
        if (!request.account().id.equals(id)) {
            throw new AcmeProblem(ProblemType.UNAUTHORIZED,
                    "an account can only list its own orders");
        }
        var page = parseCursor(cursor);

        var list = orders.listOf(request.account(), page * ORDERS_PAGE, ORDERS_PAGE + 1);
        var node = AcmeJson.object();
        var array = node.putArray("orders");
        list.stream().limit(ORDERS_PAGE).forEach(o -> array.add(urls.order(o.id)));
        var response = responses.json(200, node);
        if (list.size() > ORDERS_PAGE) {
            response.header("Link", "<" + urls.orders(id) + "?cursor=" + (page + 1)
                    + ">;rel=\"next\"");
        }
        return response.build();
    }

    /** §7.4: a new order, every identifier checked against the mail host policy. */
    @POST
    @Path("new-order")
    public Response newOrder(@HeaderParam("Content-Type") String type, byte[] body,
            @Context UriInfo uri, RoutingContext context) {
        var request = verify(type, body, uri, KeyMode.KID, context);
        var payload = objectPayload(request);
        var identifiers = identifiers(payload);

        var order = orders.newOrder(request.account(), new NewOrder(identifiers,
                AcmeJson.optionalString(payload, "notBefore"),
                AcmeJson.optionalString(payload, "notAfter"),
                AcmeJson.optionalString(payload, "profile"),
                AcmeJson.optionalString(payload, "replaces")));
        return responses.json(201, wire.order(order))
                .header("Location", urls.order(order.id)).build();
    }

    /**
     * §7.4.1: pre-authorization, when the operator offers it
     * ({@code mailca.acme.pre-authorization}); otherwise the resource does not exist.
     */
    @POST
    @Path("new-authz")
    public Response newAuthz(@HeaderParam("Content-Type") String type, byte[] body,
            @Context UriInfo uri, RoutingContext context) {
        if (!preAuthorization) {
            throw new AcmeProblem(ProblemType.MALFORMED, 404, "pre-authorization is not"
                    + " offered (no newAuthz in the directory); place an order", List.of(),
                    null);
        }
        var request = verify(type, body, uri, KeyMode.KID, context);
        var payload = objectPayload(request);
        var node = payload.get("identifier");
        if (node == null || !node.isObject()) {
            throw new AcmeProblem(ProblemType.MALFORMED, "newAuthz needs an identifier object");
        }
        var identifier = new Identifier(AcmeJson.optionalString(node, "type"),
                AcmeJson.optionalString(node, "value"));

        var result = orders.preAuthorize(request.account(), identifier);
        var authz = result.authorization();
        return responses.json(result.created() ? 201 : 200,
                        wire.authorization(authz, result.challenges()))
                .header("Location", urls.authorization(authz.id)).build();
    }

    /** §7.4: the order object; a processing order says when to look again. */
    @POST
    @Path("order/{id}")
    public Response order(@PathParam("id") String id, @HeaderParam("Content-Type") String type,
            byte[] body, @Context UriInfo uri, RoutingContext context) {
        var request = verify(type, body, uri, KeyMode.KID, context);
        requirePostAsGet(request);

        var order = orders.get(request.account(), id);
        var response = responses.json(200, wire.order(order))
                .header("Location", urls.order(order.id));
        if ("processing".equals(order.status)) {
            response.header("Retry-After", "1");
        }
        return response.build();
    }

    /** §7.4: finalize with a CSR (base64url DER). */
    @POST
    @Path("order/{id}/finalize")
    public Response finalizeOrder(@PathParam("id") String id,
            @HeaderParam("Content-Type") String type, byte[] body, @Context UriInfo uri,
            RoutingContext context) {
        var request = verify(type, body, uri, KeyMode.KID, context);
        var payload = objectPayload(request);
        var csr = AcmeJson.optionalString(payload, "csr");
        if (csr == null) {
            throw new AcmeProblem(ProblemType.MALFORMED, "finalize needs a csr");
        }
        var der = decodeCsr(csr);

        var order = orders.finalizeOrder(request.account(), request.key(), id, der);
        var response = responses.json(200, wire.order(order))
                .header("Location", urls.order(order.id));
        if ("processing".equals(order.status)) {
            response.header("Retry-After", "1");
        }
        return response.build();
    }

    /** §7.5, §7.5.2: reads an authorization, or deactivates it. */
    @POST
    @Path("authz/{id}")
    public Response authorization(@PathParam("id") String id,
            @HeaderParam("Content-Type") String type, byte[] body, @Context UriInfo uri,
            RoutingContext context) {
        var request = verify(type, body, uri, KeyMode.KID, context);

        AuthorizationService.AuthorizationView view;
        if (request.isPostAsGet()) {
            view = authorizations.get(request.account(), id);
        } else {
            var status = AcmeJson.optionalString(request.payload(), "status");
            if (!"deactivated".equals(status)) {
                throw new AcmeProblem(ProblemType.MALFORMED, "an authorization can only be"
                        + " updated with {\"status\": \"deactivated\"}");
            }
            view = authorizations.deactivate(request.account(), id);
        }
        return responses.json(200, wire.authorization(view.authorization(), view.challenges()))
                .header("Location", urls.authorization(id)).build();
    }

    /** §7.5.1: the client is ready for validation; the challenge is checked in background. */
    @POST
    @Path("chall/{id}")
    public Response challenge(@PathParam("id") String id,
            @HeaderParam("Content-Type") String type, byte[] body, @Context UriInfo uri,
            RoutingContext context) {
        var request = verify(type, body, uri, KeyMode.KID, context);

        AuthorizationService.ChallengeView view;
        if (request.isPostAsGet()) {
            view = authorizations.challenge(request.account(), id);
        } else {
            var tasks = new ArrayList<ValidationTask>();
            view = authorizations.respond(request.account(), id,
                    request.account().jwkThumbprint, tasks);
            // Only now, after the commit, may a validator see the challenge as processing.
            validations.submit(tasks);
        }

        var response = responses.json(200, wire.challenge(view.challenge()))
                .header("Link", "<" + urls.authorization(view.authorization().id)
                        + ">;rel=\"up\"");
        if ("processing".equals(view.challenge().status)) {
            response.header("Retry-After", "1");
        }
        return response.build();
    }

    /** §7.4.2: the chain, leaf first, then the issuing CA; never the root. */
    @POST
    @Path("cert/{id}")
    public Response certificate(@PathParam("id") String id,
            @HeaderParam("Content-Type") String type, byte[] body, @Context UriInfo uri,
            RoutingContext context) {
        var request = verify(type, body, uri, KeyMode.KID, context);
        requirePostAsGet(request);

        var chain = orders.certificateChain(request.account(), id);
        return responses.post(200)
                .entity(chain.getBytes(StandardCharsets.US_ASCII))
                .header("Content-Type", AcmeResponses.PEM_CHAIN)
                .header("Link", "<" + ca.issuingCertificateUrl() + ">;rel=\"up\"")
                .build();
    }

    /** §7.6: revocation by the ordering account, an authorized account, or the cert key. */
    @POST
    @Path("revoke-cert")
    public Response revokeCert(@HeaderParam("Content-Type") String type, byte[] body,
            @Context UriInfo uri, RoutingContext context) {
        var request = verify(type, body, uri, KeyMode.EITHER, context);
        var payload = objectPayload(request);
        var certificate = AcmeJson.optionalString(payload, "certificate");
        if (certificate == null) {
            throw new AcmeProblem(ProblemType.MALFORMED, "revokeCert needs a certificate");
        }
        var reasonNode = payload.get("reason");
        if (reasonNode != null && !reasonNode.isNull() && !reasonNode.isInt()) {
            throw new AcmeProblem(ProblemType.BAD_REVOCATION_REASON,
                    "reason must be an integer CRLReason code");
        }
        var reason = reasonNode == null || reasonNode.isNull() ? null : reasonNode.intValue();

        revocations.revoke(request.account(), request.key(),
                AcmeJson.base64url(certificate, "certificate"), reason);
        return responses.post(200).build();
    }

    /** §7.3.5: rolls the account over to the key in the inner JWS. */
    @POST
    @Path("key-change")
    public Response keyChange(@HeaderParam("Content-Type") String type, byte[] body,
            @Context UriInfo uri, RoutingContext context) {
        var request = verify(type, body, uri, KeyMode.KID, context);
        var inner = jws.verifyInner(objectPayload(request), request.url());
        var account = AcmeJson.optionalString(inner.payload(), "account");
        if (!urls.account(request.account().id).equals(account)) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "the inner payload's account must be the kid of the outer JWS");
        }
        var oldKey = inner.payload().get("oldKey");
        if (oldKey == null || !oldKey.isObject() || !request.thumbprint()
                .equals(JwsVerifier.thumbprintOf(AcmeJson.text(oldKey)))) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "the inner payload's oldKey must be the account's current key");
        }

        var updated = accounts.changeKey(request.account().id, inner.thumbprint(),
                inner.jwkJson(), urls.accountPrefix());
        return responses.json(200, wire.account(updated))
                .header("Location", urls.account(updated.id)).build();
    }

    /** RFC 8555 §6.3: the resources above answer POST only. */
    @GET
    @Path("{path: (new-account|new-order|new-authz|revoke-cert|key-change|acct/.+|order/.+|authz/.+"
            + "|chall/.+|cert/.+)}")
    public Response getNotAllowed() {
        throw new AcmeProblem(ProblemType.MALFORMED, 405,
                "this resource answers POST only; use POST-as-GET (RFC 8555 §6.3)", List.of(),
                null);
    }

    private Response nonceResponse(int status) {
        return Response.status(status)
                .header(AcmeHeaders.REPLAY_NONCE, responses.freshNonce())
                .header("Cache-Control", "no-store")
                .header("Link", "<" + urls.directory() + ">;rel=\"index\"")
                .build();
    }

    private SignedRequest verify(String contentType, byte[] body, UriInfo uri, KeyMode mode,
            RoutingContext context) {
        var requestUri = uri.getRequestUri();
        // No id of MailCA holds a NUL, and PostgreSQL cannot even compare one: refuse it here
        // rather than let a lookup fail with a 500.
        if (uri.getPath().indexOf('\u0000') >= 0) {
            throw new AcmeProblem(ProblemType.MALFORMED, 404, "no such resource", List.of(),
                    null);
        }
        var url = urls.requestUrl(requestUri.getRawPath(), requestUri.getRawQuery());
        var request = jws.verify(contentType, body == null ? new byte[0] : body, url, mode);
        if (request.account() != null) {
            context.put(AccessLog.ACCOUNT, request.account().id);
        }
        return request;
    }

    private static JsonNode objectPayload(SignedRequest request) {
        if (request.isPostAsGet()) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "this request needs a JSON object payload, not an empty one");
        }
        return request.payload();
    }

    private static void requirePostAsGet(SignedRequest request) {
        if (!request.isPostAsGet()) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    "this resource is read with POST-as-GET: the payload must be empty");
        }
    }

    private static List<Identifier> identifiers(JsonNode payload) {
        var node = payload.get("identifiers");
        if (node == null || !node.isArray()) {
            throw new AcmeProblem(ProblemType.MALFORMED, "identifiers must be an array");
        }
        var list = new ArrayList<Identifier>();
        for (var item : node) {
            if (!item.isObject()) {
                throw new AcmeProblem(ProblemType.MALFORMED, "each identifier must be an object");
            }
            list.add(new Identifier(AcmeJson.optionalString(item, "type"),
                    AcmeJson.optionalString(item, "value")));
        }
        return list;
    }

    private static List<String> stringList(JsonNode payload, String field) {
        var node = payload.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw new AcmeProblem(ProblemType.MALFORMED, "'" + field + "' must be an array");
        }
        var list = new ArrayList<String>();
        for (var item : node) {
            if (!item.isTextual()) {
                throw new AcmeProblem(ProblemType.MALFORMED,
                        "'" + field + "' must hold strings only");
            }
            list.add(item.textValue());
        }
        return list;
    }

    private static Boolean optionalBoolean(JsonNode payload, String field) {
        var node = payload.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isBoolean()) {
            throw new AcmeProblem(ProblemType.MALFORMED, "'" + field + "' must be a boolean");
        }
        return node.booleanValue();
    }

    private static int parseCursor(String cursor) {
        if (cursor == null) {
            return 0;
        }
        try {
            var page = Integer.parseInt(cursor);
            if (page < 0 || page > 1_000_000) {
                throw new NumberFormatException();
            }
            return page;
        } catch (NumberFormatException e) {
            throw new AcmeProblem(ProblemType.MALFORMED, "cursor must be a page number");
        }
    }

    private static byte[] decodeCsr(String csr) {
        if (csr.length() > 16 * 1024) {
            throw new AcmeProblem(ProblemType.BAD_CSR, "the CSR is too large");
        }
        try {
            return AcmeJson.base64url(csr, "csr");
        } catch (AcmeProblem e) {
            throw new AcmeProblem(ProblemType.BAD_CSR, e.detail());
        }
    }
}
