/**
 * The one place for DNS lookups (dnsjava): the configured resolver, timeouts, CNAME chasing and
 * the DNSSEC status of an answer.
 */
package io.mailca.dns;
