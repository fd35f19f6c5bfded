package io.mailca.issuance;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * CA keys in a PKCS#11 token (OASIS PKCS#11 v2.40), reached through the JDK's SunPKCS11
 * provider. Keys are generated inside the token as sensitive, non-extractable objects
 * (CKA_SENSITIVE true, CKA_EXTRACTABLE false) and stored under a label; MailCA only ever holds
 * handles, and every signature is made by the token.
 *
 * <p>The token is chosen by slot id, by slot list index or by token label. A label is looked
 * up through the JDK's internal PKCS#11 wrapper, which needs
 * {@code --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED}; the
 * packaged jar's manifest carries it. The PIN is used to log in and never logged.
 */
public final class Pkcs11Token implements CaKeys {
    /**
     * Which token: exactly one of slot, slot list index and token label; none means slot list
     * index 0.
     */
    public record Settings(String library, Optional<Long> slot, Optional<Integer> slotListIndex,
            Optional<String> tokenLabel) {
        public Settings {
            Objects.requireNonNull(library, "library");
            var given = (slot.isPresent() ? 1 : 0) + (slotListIndex.isPresent() ? 1 : 0)
                    + (tokenLabel.isPresent() ? 1 : 0);
            if (given > 1) {
                throw new IllegalArgumentException("configure one of the PKCS#11 slot, slot"
                        + " list index and token label, not several");
            }
        }

        String describe() {
            var which = tokenLabel.map(l -> "token \"" + l + "\"")
                    .or(() -> slot.map(s -> "slot " + s))
                    .orElse("slot list index " + slotListIndex.orElse(0));
            return "PKCS#11 " + which + " (" + library + ")";
        }
    }

    /** Generated private keys stay in the token: sensitive, never extractable. */
    private static final String KEY_ATTRIBUTES = """
            attributes(generate, CKO_PRIVATE_KEY, *) = {
              CKA_SENSITIVE = true
              CKA_EXTRACTABLE = false
            }
            """;

    private final Provider provider;
    private final KeyStore keyStore;
    private final String description;

    private Pkcs11Token(Provider provider, KeyStore keyStore, String description) {
        this.provider = provider;
        this.keyStore = keyStore;
        this.description = description;
    }

    /**
     * Configures (once per JVM and token) a SunPKCS11 provider for the token and logs in.
     *
     * @throws IOException when the library, slot or label is wrong or the PIN is refused; the
     *     message never contains the PIN
     */
    public static synchronized Pkcs11Token open(Settings settings, char[] pin)
            throws IOException {
        if (pin == null || pin.length == 0) {
            throw new IOException("no PIN for " + settings.describe() + ": set"
                    + " mailca.ca.pkcs11.pin or mailca.ca.pkcs11.pin-file");
        }
        var slotLine = settings.tokenLabel()
                .map(label -> "slot = " + slotOfLabel(settings.library(), label))
                .or(() -> settings.slot().map(slot -> "slot = " + slot))
                .orElse("slotListIndex = " + settings.slotListIndex().orElse(0));
        var name = "MailCA-" + Integer.toHexString(
                Objects.hash(settings.library(), slotLine) & 0x7fffffff);
        var provider = Security.getProvider("SunPKCS11-" + name);
        if (provider == null) {
            var base = Security.getProvider("SunPKCS11");
            if (base == null) {
                throw new IOException("this Java runtime has no SunPKCS11 provider");
            }
            try {
                provider = base.configure("--name = " + name + "\nlibrary = "
                        + settings.library() + "\n" + slotLine + "\n" + KEY_ATTRIBUTES);
            } catch (RuntimeException e) {
                throw new IOException("cannot load " + settings.describe() + ": "
                        + e.getMessage(), e);
            }
            Security.addProvider(provider);
        }
        try {
            var keyStore = KeyStore.getInstance("PKCS11", provider);
            keyStore.load(null, pin.clone());
            return new Pkcs11Token(provider, keyStore, settings.describe());
        } catch (GeneralSecurityException | IOException e) {
            // The cause names a PKCS#11 return code such as CKR_PIN_INCORRECT, never the PIN.
            throw new IOException("cannot log in to " + settings.describe() + ": "
                    + rootMessage(e), e);
        }
    }

    @Override
    public String storage() {
        return "PKCS11";
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String provider() {
        return provider.getName();
    }

    @Override
    public synchronized boolean contains(String alias) {
        try {
            return keyStore.isKeyEntry(alias);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("token not logged in", e);
        }
    }

    /**
     * Stores each key under its label. The keys were generated by this token, so this turns
     * session objects into token objects inside the token; nothing is exported.
     */
    @Override
    public synchronized void store(List<CaKeyStore.Entry> entries) throws IOException {
        try {
            for (var entry : entries) {
                keyStore.setKeyEntry(entry.alias(), entry.privateKey(), null,
                        entry.chain().toArray(new Certificate[0]));
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot store keys in " + description + ": "
                    + rootMessage(e), e);
        }
    }

    @Override
    public synchronized PrivateKey privateKey(String alias) throws IOException {
        try {
            var key = keyStore.getKey(alias, null);
            if (key == null) {
                throw new IOException("no key labelled " + alias + " in " + description);
            }
            return (PrivateKey) key;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot find key " + alias + " in " + description, e);
        }
    }

    @Override
    public synchronized X509Certificate certificate(String alias) throws IOException {
        try {
            var certificate = keyStore.getCertificate(alias);
            if (certificate == null) {
                throw new IOException("no certificate labelled " + alias + " in "
                        + description);
            }
            return (X509Certificate) certificate;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read certificate " + alias + " in " + description, e);
        }
    }

    /**
     * Generates a key pair inside the token. It is a session object until {@link #store}
     * labels it, so a key that is never stored (the OCSP signer's) vanishes with the session.
     */
    @Override
    public KeyPair generate(KeyAlgorithm algorithm, SecureRandom random) {
        try {
            var generator = KeyPairGenerator.getInstance(algorithm.jcaName(), provider);
            AlgorithmParameterSpec spec = algorithm.jcaName().equals("EC")
                    ? new ECGenParameterSpec(algorithm == KeyAlgorithm.EC_P384
                            ? "secp384r1" : "secp256r1")
                    : new RSAKeyGenParameterSpec(algorithm.bits(), RSAKeyGenParameterSpec.F4);
            generator.initialize(spec);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a " + algorithm + " key in "
                    + description + ": " + rootMessage(e), e);
        }
    }

    /**
     * The slot id of the token with this label, through the JDK's PKCS#11 wrapper (SunPKCS11's
     * configuration knows slots, not labels).
     */
    private static long slotOfLabel(String library, String label) {
        try {
            var wrapper = Class.forName("sun.security.pkcs11.wrapper.PKCS11");
            var initArgs = Class.forName("sun.security.pkcs11.wrapper.CK_C_INITIALIZE_ARGS");
            var p11 = wrapper.getMethod("getInstance", String.class, String.class, initArgs,
                    boolean.class).invoke(null, library, "C_GetFunctionList", null, false);
            var slots = (long[]) wrapper.getMethod("C_GetSlotList", boolean.class)
                    .invoke(p11, true);
            var getTokenInfo = wrapper.getMethod("C_GetTokenInfo", long.class);
            for (var slot : slots) {
                var info = getTokenInfo.invoke(p11, slot);
                var chars = (char[]) info.getClass().getField("label").get(info);
                if (new String(chars).strip().equals(label)) {
                    return slot;
                }
            }
            throw new IllegalArgumentException("no PKCS#11 token labelled \"" + label + "\" in "
                    + library);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("finding a PKCS#11 token by label needs the JVM"
                    + " option --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper"
                    + "=ALL-UNNAMED; or configure mailca.ca.pkcs11.slot instead", e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("cannot list the tokens of " + library + ": "
                    + rootMessage(e), e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this Java runtime has no PKCS#11 wrapper", e);
        }
    }

    private static String rootMessage(Throwable e) {
        var cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName()
                : cause.getMessage();
    }
}
