package io.mailca.store;

import java.util.List;

/** One page of a listing, and whether more rows follow it. */
public record Page<T>(List<T> items, boolean more) {
    /** Cuts a result fetched with {@code limit + 1} rows down to a page. */
    static <T> Page<T> of(List<T> fetched, int limit) {
        var more = fetched.size() > limit;
        return new Page<>(more ? List.copyOf(fetched.subList(0, limit)) : List.copyOf(fetched),
                more);
    }
}
