/**
 * The issuance benchmark (DESIGN.md, Speed; docs/benchmark.md): the packaged server under
 * concurrent acme4j clients doing full RFC 8555 flows with real http-01 validation. Run by
 * {@code ./scripts/bench}; it prints figures and is never a pass/fail test.
 */
package io.mailca.bench;
