/**
 * The certificate authority proper: CA keys, hierarchy bootstrap, certificate profiles, serial
 * numbers and signing (Bouncy Castle). Also the separate service issuer of MailCA's own HTTPS
 * certificate, which never signs from the corporate root.
 */
package io.mailca.issuance;
