package io.mailca.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;

/**
 * RFC 9457 problem documents of the admin API: {@code type} is {@code about:blank}, so
 * {@code title} is the HTTP status phrase (§4.2.1), and {@code detail} says what to change.
 */
public final class AdminProblems {
    public static final String PROBLEM_JSON = "application/problem+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdminProblems() {
    }

    public static Response of(int status, String detail) {
        var body = new LinkedHashMap<String, Object>();
        body.put("type", "about:blank");
        body.put("title", title(status));
        body.put("status", status);
        body.put("detail", detail);
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return Response.status(status).entity(bytes).header("Content-Type", PROBLEM_JSON)
                .header("Cache-Control", "no-store").build();
    }

    private static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 415 -> "Unsupported Media Type";
            case 500 -> "Internal Server Error";
            default -> {
                var family = Response.Status.fromStatusCode(status);
                yield family == null ? "HTTP " + status : family.getReasonPhrase();
            }
        };
    }
}
