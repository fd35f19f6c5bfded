package io.mailca.store;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** Queries over {@link IssuedCertificate}. Callers hold the transaction. */
@ApplicationScoped
public class Certificates {
    public Optional<IssuedCertificate> byId(String id) {
        return Optional.ofNullable(IssuedCertificate.findById(id));
    }

    public Optional<IssuedCertificate> bySerial(String serialHex) {
        return IssuedCertificate.<IssuedCertificate>find("serialHex", serialHex)
                .firstResultOptional();
    }

    public boolean serialExists(String serialHex) {
        return IssuedCertificate.count("serialHex", serialHex) > 0;
    }

    public void add(IssuedCertificate certificate) {
        certificate.persist();
    }
}
