package io.mailca.admin;

import java.util.List;

/**
 * One page of a collection: its items and, when more follow, the URL of the next page (also
 * sent as {@code Link: <...>; rel="next"}).
 */
public record Listing<T>(List<T> items, String next) {
}
