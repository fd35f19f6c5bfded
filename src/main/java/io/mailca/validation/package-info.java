/**
 * Challenge validation as a network client of the applicant: http-01 and dns-01
 * (RFC 8555 §8.3, §8.4) and tls-alpn-01 (RFC 8737), with time, size and redirect limits.
 */
package io.mailca.validation;
