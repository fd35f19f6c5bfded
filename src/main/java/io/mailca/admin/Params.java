package io.mailca.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mailca.registration.OperatorProblem;
import io.vertx.ext.web.RoutingContext;
import io.mailca.registration.Operator;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Set;

/** Parsing of query parameters and JSON bodies; anything malformed is a 400 problem. */
final class Params {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Params() {
    }

    /** The operator {@link AdminAuthentication} found for this request. */
    static Operator operator(RoutingContext context) {
        Operator operator = context.get(AdminAuthentication.OPERATOR);
        if (operator == null) {
            throw new IllegalStateException("admin request without an authenticated operator");
        }
        return operator;
    }

    /** An RFC 3339 instant ({@code 2026-12-03T18:00:00Z}) or a date (midnight UTC). */
    static Instant instant(String name, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return value.length() == 10 ? LocalDate.parse(value).atStartOfDay()
                    .toInstant(ZoneOffset.UTC) : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw OperatorProblem.badRequest(name + " must be an RFC 3339 time such as"
                    + " 2026-12-31T00:00:00Z, or a date such as 2026-12-31");
        }
    }

    /** An ISO 8601 duration such as {@code P30D} or {@code PT12H}. */
    static Duration duration(String name, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            var duration = Duration.parse(value);
            if (duration.isNegative() || duration.isZero()) {
                throw OperatorProblem.badRequest(name + " must be positive");
            }
            return duration;
        } catch (DateTimeParseException e) {
            throw OperatorProblem.badRequest(name + " must be an ISO 8601 duration such as"
                    + " P30D or PT12H");
        }
    }

    static String oneOf(String name, String value, Set<String> allowed) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (!allowed.contains(value)) {
            throw OperatorProblem.badRequest(name + " must be one of "
                    + String.join(", ", new java.util.TreeSet<>(allowed)));
        }
        return value;
    }

    static String text(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    /** A JSON object body; an empty body is an empty object. */
    static JsonNode body(byte[] body) {
        if (body == null || body.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            var node = JSON.readTree(body);
            if (node == null || !node.isObject()) {
                throw OperatorProblem.badRequest("the request body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw OperatorProblem.badRequest("the request body is not valid JSON");
        }
    }

    static String optionalString(JsonNode body, String name) {
        var node = body.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw OperatorProblem.badRequest(name + " must be a string");
        }
        return node.textValue();
    }

    static String requiredString(JsonNode body, String name) {
        var value = optionalString(body, name);
        if (value == null || value.isEmpty()) {
            throw OperatorProblem.badRequest(name + " is required");
        }
        return value;
    }

    static java.util.List<String> optionalStrings(JsonNode body, String name) {
        var node = body.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw OperatorProblem.badRequest(name + " must be an array of strings");
        }
        var list = new java.util.ArrayList<String>();
        for (var item : node) {
            if (!item.isTextual()) {
                throw OperatorProblem.badRequest(name + " must be an array of strings");
            }
            list.add(item.textValue());
        }
        return list;
    }
}
