package io.mailca.acme;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mailca.registration.AcmeProblem;
import io.mailca.registration.ProblemType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * JSON as the ACME front end reads and writes it. Reading is strict: duplicate keys, deep
 * nesting and oversized numbers are refused rather than guessed at, since two parsers that
 * disagree on a duplicate key are how signed requests get reinterpreted.
 */
final class AcmeJson {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(32)
                .maxNumberLength(64)
                .maxStringLength(256 * 1024)
                .build());
    }

    private AcmeJson() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Parses a JSON object, or fails with a {@code malformed} problem naming {@code what}. */
    static ObjectNode parseObject(byte[] json, String what) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new AcmeProblem(ProblemType.MALFORMED, what + " is not valid JSON"
                    + duplicateHint(e));
        }
        if (node == null || !node.isObject()) {
            throw new AcmeProblem(ProblemType.MALFORMED, what + " must be a JSON object");
        }
        if (holdsNul(node)) {
            throw new AcmeProblem(ProblemType.MALFORMED, what + " holds a NUL character;"
                    + " no ACME field may");
        }
        return (ObjectNode) node;
    }

    /**
     * Whether a name or string anywhere in the tree holds U+0000. No ACME field has a use for
     * it, it truncates names in C code that reads certificates, and PostgreSQL cannot store it
     * (a nonce or identifier with one made a lookup fail with a 500).
     */
    private static boolean holdsNul(JsonNode node) {
        if (node.isTextual()) {
            return node.textValue().indexOf('\u0000') >= 0;
        }
        for (var it = node.fields(); it.hasNext(); ) {
            var field = it.next();
            if (field.getKey().indexOf('\u0000') >= 0 || holdsNul(field.getValue())) {
                return true;
            }
        }
        if (node.isArray()) {
            for (var element : node) {
                if (holdsNul(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Decodes unpadded base64url (RFC 7515 §2), refusing padding and foreign characters. */
    static byte[] base64url(String value, String what) {
        if (value == null || value.indexOf('=') >= 0) {
            throw new AcmeProblem(ProblemType.MALFORMED,
                    what + " must be base64url without padding");
        }
        try {
            return Base64.getUrlDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new AcmeProblem(ProblemType.MALFORMED, what + " is not valid base64url");
        }
    }

    static String base64url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String text(JsonNode node) {
        return new String(bytes(node), StandardCharsets.UTF_8);
    }

    /** A string member, null when absent, {@code malformed} when of another type. */
    static String optionalString(JsonNode object, String field) {
        var node = object.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new AcmeProblem(ProblemType.MALFORMED, "'" + field + "' must be a string");
        }
        return node.textValue();
    }

    private static String duplicateHint(IOException e) {
        var message = e.getMessage() == null ? "" : e.getMessage();
        if (message.contains("Duplicate field")) {
            return ": a member name appears twice";
        }
        if (message.contains("nesting depth")) {
            return ": nested too deeply";
        }
        if (message.contains("Number value length") || message.contains("String value length")) {
            return ": a value is too long";
        }
        return "";
    }
}
