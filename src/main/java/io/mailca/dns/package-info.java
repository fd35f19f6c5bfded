/**
 * The one place for DNS lookups (dnsjava): the configured resolver, timeouts, CNAME chasing and
 * the DNSSEC status of an answer; and the MX and mail-service SRV records of mail domains
 * ({@link io.mailca.dns.MailServiceRecords}), read alike by {@code policy} and {@code dane}.
 */
package io.mailca.dns;
