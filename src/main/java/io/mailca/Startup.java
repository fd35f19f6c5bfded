package io.mailca;

import io.mailca.issuance.CertificateAuthority;
import io.mailca.issuance.Fingerprints;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Creates or loads the CA before any request is served, and tells the operator where it is. */
@ApplicationScoped
public class Startup {
    private static final Logger LOG = Logger.getLogger("io.mailca");

    void onStart(@Observes StartupEvent event, CertificateAuthority ca,
            @ConfigProperty(name = "mailca.acme.base-url") String acmeBase,
            @ConfigProperty(name = "mailca.public.base-url") String publicBase,
            @ConfigProperty(name = "mailca.data-dir") String dataDir) {
        if (Boolean.getBoolean(OperatorCommand.RUNNING)) {
            // An operator command uses the CA's database, never creates a CA.
            return;
        }
        var created = ca.bootstrap();
        LOG.infof("%s the corporate CA. Root SHA-256 fingerprint: %s",
                created ? "Created" : "Loaded",
                Fingerprints.withColons(Fingerprints.sha256Hex(ca.root())));
        if (Boolean.getBoolean(Main.INIT_CA)) {
            return;
        }
        LOG.infof("ACME directory: %s/acme/directory", acmeBase);
        LOG.infof("Corporate root for mail clients: %s/ca/root.pem (and root.der)", publicBase);
        LOG.infof("ACME clients trust the HTTPS endpoint through %s/https/service-ca.pem",
                dataDir);
    }
}
