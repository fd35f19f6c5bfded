package io.mailca.dns;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * Validates in process with dnsjava's {@link ValidatingResolver} (RFC 4035 §5): the upstream
 * resolver is asked with DO and CD, so that it hands over the signatures and leaves the judgement
 * here. Secure answers come back with AD; bogus ones as SERVFAIL with the validator's reason in
 * a TXT record of a private class; insecure ones as they are.
 *
 * <p>The trust anchors are IANA's root KSKs and the lines of an optional file. The file is read
 * at each validation, and a changed file gives a fresh validator (with an empty key cache), so an
 * operator can roll an internal zone's anchor without a restart.
 */
final class InProcessValidator implements DnssecValidator {
    private static final Logger LOG = Logger.getLogger(InProcessValidator.class);

    /**
     * Most messages one validation sends one after the other: the answer, then DS and DNSKEY for
     * each zone between the trust anchor and the data (root, TLD, zone: about six).
     */
    private static final int MESSAGES = 8;

    private final Optional<String> upstream;
    private final Duration timeout;
    private final boolean rootAnchors;
    private final Optional<Path> anchorFile;

    private String loadedAnchors;
    private ValidatingResolver validating;

    InProcessValidator(Optional<String> upstream, Duration timeout, boolean rootAnchors,
            Optional<Path> anchorFile) {
        this.upstream = upstream.filter(s -> !s.isBlank()).map(String::trim);
        this.timeout = timeout;
        this.rootAnchors = rootAnchors;
        this.anchorFile = anchorFile;
        if (!rootAnchors && anchorFile.isEmpty()) {
            LOG.warn("DNSSEC validation has no trust anchor: every answer is insecure");
        }
    }

    @Override
    public DnssecAnswer validate(String name, int type) throws DnsException {
        var owner = DnsClient.parse(name, type);
        var shown = DnsClient.display(owner);
        ValidatingResolver resolver;
        try {
            resolver = resolver();
        } catch (IOException e) {
            return new DnssecAnswer(shown, type, SecurityStatus.INDETERMINATE,
                    "the trust anchors cannot be read: " + e.getMessage(), List.of());
        }
        var query = Message.newQuery(Record.newRecord(owner, type, DClass.IN));
        var response = DnsClient.await(resolver.sendAsync(query).toCompletableFuture(),
                timeout.multipliedBy(MESSAGES), shown, type);
        var rcode = response.getRcode();
        var reason = reason(response);
        if (rcode == Rcode.SERVFAIL) {
            // The validator turns every bogus answer into SERVFAIL with its reason; an upstream
            // SERVFAIL reaches it as an answer it cannot validate, which is no better.
            return new DnssecAnswer(shown, type, SecurityStatus.BOGUS,
                    reason.isEmpty() ? "SERVFAIL" : reason, List.of());
        }
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            return new DnssecAnswer(shown, type, SecurityStatus.INDETERMINATE,
                    "the upstream resolver answered " + Rcode.string(rcode), List.of());
        }
        var records = AdBitValidator.answerRecords(response, owner, type);
        if (response.getHeader().getFlag(Flags.AD)) {
            return new DnssecAnswer(shown, type, SecurityStatus.SECURE, reason, records);
        }
        return new DnssecAnswer(shown, type, SecurityStatus.INSECURE,
                reason.isEmpty() ? "no chain of trust from a trust anchor" : reason, records);
    }

    @Override
    public String describe() {
        return "in-process DNSSEC validation over " + upstream.orElse("the system's resolvers")
                + " with trust anchors " + (rootAnchors ? "of the root (KSK-2017, KSK-2024)" : "")
                + (rootAnchors && anchorFile.isPresent() ? " and " : "")
                + anchorFile.map(f -> "from " + f).orElse("");
    }

    /** The validator for the current trust anchors, made anew when the file changed. */
    private synchronized ValidatingResolver resolver() throws IOException {
        var anchors = new StringBuilder(rootAnchors ? TrustAnchors.ROOT : "");
        if (anchorFile.isPresent()) {
            anchors.append('\n').append(Files.readString(anchorFile.get(),
                    StandardCharsets.US_ASCII));
        }
        var text = anchors.toString();
        if (validating == null || !text.equals(loadedAnchors)) {
            var fresh = new ValidatingResolver(head());
            fresh.loadTrustAnchors(new ByteArrayInputStream(text.getBytes(
                    StandardCharsets.US_ASCII)));
            validating = fresh;
            loadedAnchors = text;
            LOG.debugf("DNSSEC trust anchors loaded: %s", describe());
        }
        return validating;
    }

    /** A resolver of its own: the validator sets DO on it, which other lookups do not want. */
    private Resolver head() {
        var head = upstream.map(DnsClient::resolverAt).orElseGet(ExtendedResolver::new);
        head.setTimeout(timeout);
        return head;
    }

    /** The validator's reason, from the TXT record it adds in its private class. */
    private static String reason(Message response) {
        for (var r : response.getSection(Section.ADDITIONAL)) {
            if (r.getType() == Type.TXT
                    && r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS) {
                return String.join("", ((TXTRecord) r).getStrings());
            }
        }
        return "";
    }
}
