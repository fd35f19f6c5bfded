package io.mailca.issuance;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Certificate serial numbers: positive integers of 127 random bits from a CSPRNG, which is
 * more than the 64 bits the CA/Browser Forum Baseline Requirements §7.1 ask for and fits the
 * 20 octets RFC 5280 §4.1.2.2 allows. Uniqueness is enforced by the database, which refuses a
 * second certificate with the same serial.
 */
public final class SerialNumbers {
    private static final int OCTETS = 16;

    private final SecureRandom random;

    public SerialNumbers(SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    /** A fresh serial number: positive, never zero. */
    public BigInteger next() {
        var bytes = new byte[OCTETS];
        while (true) {
            random.nextBytes(bytes);
            // Clearing the top bit keeps the DER INTEGER positive without a leading zero octet.
            bytes[0] &= 0x7f;
            var serial = new BigInteger(1, bytes);
            if (serial.signum() > 0) {
                return serial;
            }
        }
    }
}
