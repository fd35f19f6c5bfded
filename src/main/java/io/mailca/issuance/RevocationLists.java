package io.mailca.issuance;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import io.mailca.store.Crls;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Certificate Revocation Lists (RFC 5280 §5), one per CA: the issuing intermediate's lists
 * revoked leaves, the root's lists revoked intermediates.
 *
 * <p>A revocation marks its issuer's CRL stale in the revoking transaction; a job that looks
 * every {@code mailca.crl.check-interval} (1 s) re-signs stale CRLs, and every CRL older than
 * {@code mailca.crl.refresh-after} (1 day), well before its nextUpdate
 * ({@code mailca.crl.validity}, 7 days, after thisUpdate). The cRLNumber (§5.2.3) comes from
 * the database row, locked while the CRL is signed, so it increases across replicas.
 */
@ApplicationScoped
public class RevocationLists {
    private static final Logger LOG = Logger.getLogger(RevocationLists.class);

    private final CertificateAuthority ca;
    private final Crls crls;
    private final Clock clock;
    private final Duration validity;
    private final Duration refreshAfter;
    private volatile boolean rowsEnsured;

    @Inject
    RevocationLists(CertificateAuthority ca, Crls crls, Clock clock,
            @ConfigProperty(name = "mailca.crl.validity", defaultValue = "P7D")
            Duration validity,
            @ConfigProperty(name = "mailca.crl.refresh-after", defaultValue = "P1D")
            Duration refreshAfter) {
        this.ca = ca;
        this.crls = crls;
        this.clock = clock;
        this.validity = validity;
        this.refreshAfter = refreshAfter;
        if (refreshAfter.compareTo(validity) >= 0) {
            throw new IllegalArgumentException("mailca.crl.refresh-after (" + refreshAfter
                    + ") must be shorter than mailca.crl.validity (" + validity + ")");
        }
    }

    // The scheduler may still fire while the application shuts down and the database is gone.
    private volatile boolean stopping;

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    /** Re-signs every CRL that a revocation made stale or that has grown old. */
    @Scheduled(every = "${mailca.crl.check-interval:1s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void publishDue() {
        if (!ca.isLoaded() || stopping) {
            return;
        }
        ensureRows();
        var due = QuarkusTransaction.requiringNew()
                .call(() -> crls.due(clock.instant().minus(refreshAfter)));
        for (var id : due) {
            if (ca.signingKey(id).isEmpty()) {
                // A retired issuing CA whose key this process no longer loads.
                continue;
            }
            try {
                QuarkusTransaction.requiringNew().run(() -> signIfDue(id));
            } catch (RuntimeException e) {
                LOG.errorf(e, "Could not sign the CRL of %s; retrying in a moment", id);
            }
        }
    }

    /** The DER CRL last signed for the CA {@code authorityId}, if one has been. */
    public Optional<byte[]> current(String authorityId) {
        return QuarkusTransaction.requiringNew().call(() -> crls.byIssuer(authorityId)
                .map(state -> state.crlDer));
    }

    /** Signs the next CRL of a CA now, whether due or not; returns its CRL number. */
    public long signNow(String authorityId) {
        return QuarkusTransaction.requiringNew().call(() -> sign(authorityId));
    }

    private void ensureRows() {
        if (rowsEnsured) {
            return;
        }
        QuarkusTransaction.requiringNew().run(() -> {
            for (var key : ca.signingKeys()) {
                crls.ensure(key.authorityId());
            }
        });
        rowsEnsured = true;
    }

    private void signIfDue(String authorityId) {
        var state = crls.lock(authorityId).orElseThrow();
        var fresh = !state.stale && state.crlDer != null
                && !state.thisUpdate.isBefore(clock.instant().minus(refreshAfter));
        // Another replica signed it while this one waited for the lock.
        if (!fresh) {
            sign(authorityId);
        }
    }

    private long sign(String authorityId) {
        var state = crls.lock(authorityId).orElseThrow(() -> new IllegalStateException(
                "no CRL state for " + authorityId));
        var key = ca.signingKey(authorityId).orElseThrow();
        var now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        var entries = Hierarchy.ROOT_ALIAS.equals(authorityId)
                ? crls.revokedAuthorities(authorityId)
                : crls.revokedLeaves(authorityId, now);
        var number = state.crlNumber + 1;
        var der = encode(key, entries, number, now, now.plus(validity));
        state.crlNumber = number;
        state.stale = false;
        state.thisUpdate = now;
        state.nextUpdate = now.plus(validity);
        state.crlDer = der;
        LOG.debugf("Signed CRL %s of %s with %s entries", (Object) number, authorityId,
                entries.size());
        return number;
    }

    /** RFC 5280 §5.1: a v2 CRL with Authority Key Identifier and CRL Number (§5.2.1, §5.2.3). */
    static byte[] encode(CertificateAuthority.SigningKey key, List<Crls.RevokedEntry> entries,
            long number, Instant thisUpdate, Instant nextUpdate) {
        var issuer = key.certificate();
        var builder = new JcaX509v2CRLBuilder(issuer.getSubjectX500Principal(),
                Date.from(thisUpdate));
        builder.setNextUpdate(Date.from(nextUpdate));
        try {
            for (var entry : entries) {
                var extensions = new ExtensionsGenerator();
                // §5.3.1: the reason code unspecified (0) SHOULD be absent.
                if (entry.reason() != CRLReason.unspecified) {
                    extensions.addExtension(Extension.reasonCode, false,
                            CRLReason.lookup(entry.reason()));
                }
                builder.addCRLEntry(new BigInteger(entry.serialHex(), 16),
                        Date.from(entry.revokedAt().truncatedTo(ChronoUnit.SECONDS)),
                        extensions.isEmpty() ? null : extensions.generate());
            }
            builder.addExtension(Extension.authorityKeyIdentifier, false, Hierarchy
                    .extensionUtils().createAuthorityKeyIdentifier(issuer.getPublicKey()));
            builder.addExtension(Extension.cRLNumber, false,
                    new CRLNumber(BigInteger.valueOf(number)));
            var signer = ContentSigners.of(key.key(), KeyAlgorithm.of(issuer.getPublicKey()),
                    key.provider());
            var crl = new JcaX509CRLConverter().getCRL(builder.build(signer));
            return crl.getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a CRL", e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("signed CRL does not decode", e);
        }
    }
}
