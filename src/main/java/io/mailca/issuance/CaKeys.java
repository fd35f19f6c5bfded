package io.mailca.issuance;

import java.io.IOException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Where the CA's private keys live: a PKCS#12 file ({@link CaKeyStore}) or a PKCS#11 token
 * ({@link Pkcs11Token}). Keys are generated where they are kept and sign through
 * {@link #provider()}; a token's keys never leave it.
 */
public interface CaKeys {
    /** {@code PKCS12} or {@code PKCS11}, as the authority rows record it. */
    String storage();

    /** Where the keys are, for messages: a file name or a token; never a secret. */
    String description();

    /** The JCA provider that signs with these keys, or null for the default selection. */
    String provider();

    boolean contains(String alias);

    /** Stores keys with their chains under their aliases (labels, in a token). */
    void store(List<CaKeyStore.Entry> entries) throws IOException;

    PrivateKey privateKey(String alias) throws IOException;

    X509Certificate certificate(String alias) throws IOException;

    /** A fresh key pair, generated inside the key storage when it is a token. */
    KeyPair generate(KeyAlgorithm algorithm, SecureRandom random);
}
