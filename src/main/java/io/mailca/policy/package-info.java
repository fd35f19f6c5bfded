/**
 * Decides which identifiers MailCA may certify: only the company's mail host names. Every
 * decision carries a reason a person can read.
 */
package io.mailca.policy;
