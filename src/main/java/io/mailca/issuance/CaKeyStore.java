package io.mailca.issuance;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

import org.jboss.logging.Logger;

/**
 * The CA's private keys in a password-protected PKCS#12 file (RFC 7292) at
 * {@code <dataDir>/ca/ca.p12}. The password comes from the operator (an environment variable
 * or a secret file); without one, a random password is generated once and kept in
 * {@code <dataDir>/ca/ca.p12.password}, mode 0600, in a directory of mode 0700.
 *
 * <p>Every change rewrites the whole file atomically, so a crash leaves either the old or the
 * new keystore, never half of one. Methods are synchronized: one instance is shared by all
 * threads of a process. The password is never logged nor put in an exception message.
 */
public final class CaKeyStore implements CaKeys {
    /** One private key with its certificate chain, the key's own certificate first. */
    public record Entry(String alias, PrivateKey privateKey, List<X509Certificate> chain) {
        public Entry {
            Objects.requireNonNull(alias, "alias");
            Objects.requireNonNull(privateKey, "privateKey");
            chain = List.copyOf(chain);
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("chain of " + alias + " is empty");
            }
        }
    }

    private static final Logger LOG = Logger.getLogger(CaKeyStore.class);
    private static final String TYPE = "PKCS12";

    private final Path file;
    private final char[] password;
    private final KeyStore keyStore;

    private CaKeyStore(Path file, char[] password, KeyStore keyStore) {
        this.file = file;
        this.password = password;
        this.keyStore = keyStore;
    }

    /**
     * Opens {@code <dataDir>/ca/ca.p12}, creating an empty keystore (and, without a given
     * password, its password file) when there is none yet.
     *
     * @param password the operator's password, or null to use or create the password file
     * @throws IOException when the file cannot be read, the password is wrong or the password
     *     file is missing for an existing keystore
     */
    public static CaKeyStore open(Path dataDir, char[] password, SecureRandom random)
            throws IOException {
        var dir = dataDir.resolve("ca");
        var file = dir.resolve("ca.p12");
        AtomicFiles.createPrivateDirectory(dir);

        var secret = password != null && password.length > 0
                ? password.clone()
                : passwordFromFile(dir.resolve("ca.p12.password"), Files.exists(file), random);

        var keyStore = newKeyStore();
        if (Files.exists(file)) {
            load(keyStore, file, secret);
        } else {
            try {
                keyStore.load(null, null);
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot create an empty PKCS#12 keystore", e);
            }
            var created = new CaKeyStore(file, secret, keyStore);
            created.save();
            LOG.infof("Created CA keystore %s", file);
            return created;
        }
        return new CaKeyStore(file, secret, keyStore);
    }

    /** The keystore file. */
    public Path file() {
        return file;
    }

    @Override
    public String storage() {
        return TYPE;
    }

    @Override
    public String description() {
        return file.toString();
    }

    @Override
    public String provider() {
        return null;
    }

    @Override
    public KeyPair generate(KeyAlgorithm algorithm, SecureRandom random) {
        return algorithm.generate(random);
    }

    @Override
    public synchronized boolean contains(String alias) {
        try {
            return keyStore.isKeyEntry(alias);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("keystore not loaded", e);
        }
    }

    /** Stores one key with its chain, replacing an entry of the same alias. */
    public void store(String alias, PrivateKey privateKey, List<X509Certificate> chain)
            throws IOException {
        store(List.of(new Entry(alias, privateKey, chain)));
    }

    /**
     * Stores several entries in one atomic write, so that a root and its intermediate are
     * either both on disk or neither is.
     */
    @Override
    public synchronized void store(List<Entry> entries) throws IOException {
        try {
            for (var entry : entries) {
                keyStore.setKeyEntry(entry.alias(), entry.privateKey(), password,
                        entry.chain().toArray(new Certificate[0]));
            }
            save();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot store key entries in " + file, e);
        } catch (IOException e) {
            // Memory and disk must not disagree: reload what the disk holds.
            reloadAfterFailure();
            throw e;
        }
    }

    /** The private key stored under {@code alias}. */
    @Override
    public synchronized PrivateKey privateKey(String alias) throws IOException {
        try {
            var key = keyStore.getKey(alias, password);
            if (key == null) {
                throw new IOException("no key " + alias + " in " + file);
            }
            return (PrivateKey) key;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read key " + alias + " from " + file, e);
        }
    }

    /** The certificate of the key stored under {@code alias}. */
    @Override
    public X509Certificate certificate(String alias) throws IOException {
        return chain(alias).get(0);
    }

    /** The chain stored with the key under {@code alias}, its own certificate first. */
    public synchronized List<X509Certificate> chain(String alias) throws IOException {
        try {
            var chain = keyStore.getCertificateChain(alias);
            if (chain == null) {
                throw new IOException("no certificate " + alias + " in " + file);
            }
            return Arrays.stream(chain).map(X509Certificate.class::cast).toList();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read certificate " + alias + " from " + file, e);
        }
    }

    private void save() throws IOException {
        var out = new ByteArrayOutputStream();
        try {
            keyStore.store(out, password);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encode keystore " + file, e);
        }
        AtomicFiles.write(file, out.toByteArray(), true);
    }

    private void reloadAfterFailure() {
        try {
            if (Files.exists(file)) {
                load(keyStore, file, password);
            }
        } catch (IOException e) {
            LOG.warnf("Could not reload %s after a failed write: %s", file, e.getMessage());
        }
    }

    private static KeyStore newKeyStore() throws IOException {
        try {
            return KeyStore.getInstance(TYPE);
        } catch (GeneralSecurityException e) {
            throw new IOException("PKCS12 keystores are not available", e);
        }
    }

    private static void load(KeyStore keyStore, Path file, char[] password) throws IOException {
        var bytes = Files.readAllBytes(file);
        try {
            keyStore.load(new ByteArrayInputStream(bytes), password);
        } catch (IOException e) {
            // The JDK reports a bad MAC (wrong password) as an IOException caused by an
            // UnrecoverableKeyException; name it plainly for the operator.
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new IOException("wrong password for CA keystore " + file, e);
            }
            throw new IOException("CA keystore " + file + " is unreadable: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IOException("CA keystore " + file + " is unreadable: " + e.getMessage(), e);
        }
    }

    private static char[] passwordFromFile(Path passwordFile, boolean keyStoreExists,
            SecureRandom random) throws IOException {
        if (Files.exists(passwordFile)) {
            var text = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) {
                throw new IOException("password file " + passwordFile + " is empty");
            }
            return text.toCharArray();
        }
        if (keyStoreExists) {
            throw new IOException("CA keystore exists but no password was given and "
                    + passwordFile + " is missing");
        }
        var bytes = new byte[32];
        random.nextBytes(bytes);
        var generated = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        AtomicFiles.write(passwordFile, (generated + "\n").getBytes(StandardCharsets.UTF_8),
                true);
        LOG.infof("Generated a CA keystore password in %s", passwordFile);
        return generated.toCharArray();
    }
}
