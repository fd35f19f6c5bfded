package io.mailca.web;

import io.mailca.issuance.Fingerprints;
import io.mailca.issuance.CertificateAuthority;
import io.mailca.issuance.Pem;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;

/**
 * The corporate root and the issuing intermediate, for mail clients, mail servers and the AIA
 * {@code caIssuers} pointer (RFC 5280 §4.2.2.1). Served over plain HTTP as well as HTTPS:
 * clients fetch these before they can trust anything.
 */
@Path("/ca")
public class CaCertificatesResource {
    private final CertificateAuthority ca;

    CaCertificatesResource(CertificateAuthority ca) {
        this.ca = ca;
    }

    @GET
    @Path("root.pem")
    public Response rootPem() {
        return pem(ca.root(), "mailca-root.pem");
    }

    @GET
    @Path("root.der")
    public Response rootDer() {
        return der(ca.root(), "mailca-root.der");
    }

    @GET
    @Path("intermediate.pem")
    public Response intermediatePem() {
        return pem(ca.issuing(), "mailca-intermediate.pem");
    }

    @GET
    @Path("intermediate.der")
    public Response intermediateDer() {
        return der(ca.issuing(), "mailca-intermediate.der");
    }

    /** The fingerprints an employee compares before trusting the root. */
    @GET
    @Path("root.sha256")
    @Produces("text/plain")
    public String rootFingerprint() {
        return Fingerprints.withColons(Fingerprints.sha256Hex(ca.root())) + "\n";
    }

    private static Response pem(X509Certificate certificate, String filename) {
        return Response.ok(Pem.certificate(certificate).getBytes(StandardCharsets.US_ASCII))
                .header("Content-Type", "application/x-pem-file")
                .header("Content-Disposition", "attachment; filename=\"" + filename + "\"")
                .build();
    }

    private static Response der(X509Certificate certificate, String filename) {
        try {
            // RFC 2585 §4.1: a DER certificate is application/pkix-cert.
            return Response.ok(certificate.getEncoded())
                    .header("Content-Type", "application/pkix-cert")
                    .header("Content-Disposition", "attachment; filename=\"" + filename + "\"")
                    .build();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
