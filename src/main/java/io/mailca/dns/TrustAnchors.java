package io.mailca.dns;

/** Trust anchors for DNSSEC validation (RFC 4035 §4.4), in zone-file format. */
public final class TrustAnchors {

    /**
     * The root zone's key-signing keys as DS records (RFC 4034 §5), as IANA publishes them in
     * {@code https://data.iana.org/root-anchors/root-anchors.xml}: KSK-2017 (key tag 20326) and
     * KSK-2024 (key tag 38696), both RSA/SHA-256 (algorithm 8) with SHA-256 digests (type 2).
     * Both are listed so that validation keeps working across the root's KSK rollover.
     */
    public static final String ROOT = ""
            + ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
            + ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16\n";

    private TrustAnchors() {
    }
}
