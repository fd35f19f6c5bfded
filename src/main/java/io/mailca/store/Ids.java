package io.mailca.store;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * Random object identifiers. ACME object URLs carry them, so they are unguessable (128 bits)
 * and reveal nothing about how many objects exist.
 */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    /** A fresh 22-character base64url identifier. */
    public static String random() {
        var bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A fresh challenge token: 256 bits, base64url (RFC 8555 §8.3 asks for at least 128). */
    public static String token() {
        var bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
