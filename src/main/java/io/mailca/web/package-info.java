/** Public pages: the corporate root for mail clients, with its fingerprints. */
package io.mailca.web;
