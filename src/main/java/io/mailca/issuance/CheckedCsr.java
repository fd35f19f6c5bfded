package io.mailca.issuance;

import java.security.PublicKey;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * A CSR that passed {@link CsrCheck}: its key and the host names it asks for (RFC 8555 §7.4).
 *
 * @param publicKey the subject public key, acceptable for a leaf
 * @param names lower-case host names, subject common name first when present, then the
 *     subjectAltName dNSNames in CSR order, each once; unmodifiable
 */
public record CheckedCsr(PublicKey publicKey, Set<String> names) {
    public CheckedCsr {
        Objects.requireNonNull(publicKey, "publicKey");
        names = Collections.unmodifiableSet(new LinkedHashSet<>(names));
    }
}
