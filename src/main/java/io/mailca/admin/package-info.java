/**
 * The operator REST API under {@code /admin/v1}: bearer-token authentication with the roles
 * viewer, operator and admin, JSON records on the wire, one pagination convention
 * ({@code limit}, {@code cursor}, {@code Link rel="next"}) and RFC 9457 problem documents for
 * every error. Resources parse and respond; {@code registration} decides and changes state.
 */
package io.mailca.admin;
