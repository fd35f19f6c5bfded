package io.mailca.acme;

/** Header names of RFC 8555. */
final class AcmeHeaders {
    static final String REPLAY_NONCE = "Replay-Nonce";

    private AcmeHeaders() {
    }
}
