package io.mailca.web;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

/** The terms of service the ACME directory points to when the operator gives none. */
@Path("/terms")
public class TermsResource {
    @GET
    @Produces("text/plain")
    public String terms() {
        return """
                MailCA issues certificates for this company's mail hosts only.
                By creating an ACME account you agree to request certificates only for mail
                hosts you operate, to keep their private keys secret, and to revoke a
                certificate whose key may have been disclosed.
                """;
    }
}
