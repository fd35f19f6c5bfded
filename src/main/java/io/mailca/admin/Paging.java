package io.mailca.admin;

import io.mailca.registration.OperatorProblem;
import io.mailca.store.Page;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The one pagination convention of the admin API: {@code ?limit=N} (1 to 500, default 50) and
 * an opaque {@code cursor} taken from the previous page's {@code Link rel="next"}, which
 * repeats the request's filters. Items come newest first.
 */
record Paging(int offset, int limit) {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    private static final String CURSOR_PREFIX = "o:";

    static Paging of(String limit, String cursor) {
        var size = DEFAULT_LIMIT;
        if (limit != null) {
            try {
                size = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 1 || size > MAX_LIMIT) {
                throw OperatorProblem.badRequest("limit must be a whole number from 1 to "
                        + MAX_LIMIT);
            }
        }
        var offset = 0;
        if (cursor != null) {
            try {
                var text = new String(Base64.getUrlDecoder().decode(cursor),
                        StandardCharsets.UTF_8);
                if (!text.startsWith(CURSOR_PREFIX)) {
                    throw new IllegalArgumentException();
                }
                offset = Integer.parseInt(text.substring(CURSOR_PREFIX.length()));
                if (offset < 0) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException e) {
                throw OperatorProblem.badRequest("cursor is not one this server gave out; take"
                        + " it from the Link rel=\"next\" header of the previous page");
            }
        }
        return new Paging(offset, size);
    }

    /** The page as a {@link Listing}, with the {@code Link rel="next"} header when needed. */
    <T> Response respond(Page<T> page, UriInfo uri) {
        String next = null;
        if (page.more()) {
            var cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    (CURSOR_PREFIX + (offset + limit)).getBytes(StandardCharsets.UTF_8));
            next = uri.getRequestUriBuilder().replaceQueryParam("cursor", cursor)
                    .replaceQueryParam("limit", limit).build().toString();
        }
        var response = Response.ok(new Listing<>(page.items(), next))
                .type("application/json");
        if (next != null) {
            response.header("Link", "<" + next + ">; rel=\"next\"");
        }
        return response.build();
    }
}
