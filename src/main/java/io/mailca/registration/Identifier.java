package io.mailca.registration;

/** An ACME identifier (RFC 8555 §9.7.7): a type such as {@code dns} and its value. */
public record Identifier(String type, String value) {
    public static final String DNS = "dns";

    public static Identifier dns(String value) {
        return new Identifier(DNS, value);
    }

    /** The {@code type:value} form the store keeps. */
    public String encoded() {
        return type + ":" + value;
    }

    public static Identifier decode(String encoded) {
        var colon = encoded.indexOf(':');
        return new Identifier(encoded.substring(0, colon), encoded.substring(colon + 1));
    }
}
