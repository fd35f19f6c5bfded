/**
 * The registration authority: accounts, orders and authorizations as the state machines of
 * RFC 8555 §7.1.6, authorization reuse, and the hand-off to validation and issuance. Only this
 * package changes ACME state.
 */
package io.mailca.registration;
