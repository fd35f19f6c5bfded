/**
 * DANE TLSA records for the mail hosts MailCA certifies (RFC 6698, RFC 7671, RFC 7672): the
 * desired RRset of each host and port, its publication (RFC 2136 with TSIG, the PowerDNS HTTP
 * API, or an operator script) from an outbox of jobs, verification on every authoritative
 * server and its DNSSEC judgement (RFC 4035 §4.3), rollover and withdrawal, a probe of what
 * each mail host serves, a warning when a mail domain enforces MTA-STS (RFC 8461), which
 * MailCA certificates fail, and metrics of it all. Uses {@code dns} and {@code store} below
 * it, nothing above.
 */
package io.mailca.dane;
