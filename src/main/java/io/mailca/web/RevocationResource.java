package io.mailca.web;

import io.mailca.issuance.OcspResponder;
import io.mailca.issuance.RevocationLists;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.Encoded;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Revocation status over plain HTTP, where mail clients and servers fetch it: the CRLs at the
 * URLs of the CRL Distribution Points extension (RFC 5280 §4.2.1.13, served as
 * {@code application/pkix-crl}, RFC 2585 §4.2) and the OCSP responder of the AIA extension
 * (RFC 6960 Appendix A.1: POST of {@code application/ocsp-request}, or GET with the base64
 * request, URL-encoded, as the last path segment).
 */
@Path("/")
public class RevocationResource {
    private static final String OCSP_RESPONSE = "application/ocsp-response";
    private static final Pattern CRL_FILE = Pattern.compile("([A-Za-z0-9-]{1,32})\\.crl");

    private final RevocationLists crls;
    private final OcspResponder ocsp;

    RevocationResource(RevocationLists crls, OcspResponder ocsp) {
        this.crls = crls;
        this.ocsp = ocsp;
    }

    @GET
    @Path("crl/{file}")
    public Response crl(@PathParam("file") String file) {
        var matcher = CRL_FILE.matcher(file);
        var der = matcher.matches() ? crls.current(matcher.group(1)) : Optional.<byte[]>empty();
        if (der.isEmpty() || der.get() == null) {
            return Response.status(404).type("text/plain").entity("no such CRL\n").build();
        }
        return Response.ok(der.get()).type("application/pkix-crl")
                // Re-fetching often is cheap, and a revocation shows within seconds.
                .header("Cache-Control", "max-age=60, public")
                .build();
    }

    /** RFC 6960 A.1: the DER request as the body, whatever the client calls its type. */
    @POST
    @Path("ocsp")
    @Consumes("*/*")
    public Response ocspPost(byte[] body) {
        return ocspResponse(ocsp.respond(body == null ? new byte[0] : body));
    }

    /** RFC 6960 A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}. */
    @GET
    @Path("ocsp/{request: .+}")
    public Response ocspGet(@Encoded @PathParam("request") String encoded) {
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(percentDecode(encoded));
        } catch (IllegalArgumentException e) {
            der = new byte[0];
        }
        return ocspResponse(ocsp.respond(der));
    }

    @GET
    @Path("ocsp")
    public Response ocspGetEmpty() {
        return ocspResponse(ocsp.respond(new byte[0]));
    }

    private static Response ocspResponse(byte[] der) {
        return Response.ok(der).type(OCSP_RESPONSE).build();
    }

    /**
     * Percent-decoding of a path segment. Unlike form decoding, '+' stays '+': it is a base64
     * character that some clients leave unencoded.
     */
    static String percentDecode(String segment) {
        var out = new ByteArrayOutputStream();
        for (int i = 0; i < segment.length(); i++) {
            var c = segment.charAt(i);
            if (c == '%' && i + 2 < segment.length()) {
                var hex = segment.substring(i + 1, i + 3);
                try {
                    out.write(Integer.parseInt(hex, 16));
                    i += 2;
                    continue;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad percent-encoding");
                }
            }
            out.write(c);
        }
        return out.toString(StandardCharsets.US_ASCII);
    }
}
