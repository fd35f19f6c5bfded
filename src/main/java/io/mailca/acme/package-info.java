/**
 * The RFC 8555 front end: JWS verification, nonces, problem documents and the
 * {@code Link}, {@code Location}, {@code Replay-Nonce} and {@code Retry-After} headers.
 * It parses, authenticates and delegates to {@code registration}; it holds no business rules.
 */
package io.mailca.acme;
