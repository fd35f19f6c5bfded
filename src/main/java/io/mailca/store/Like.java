package io.mailca.store;

/** Escapes text for a SQL {@code LIKE} pattern whose escape character is a backslash. */
final class Like {
    private Like() {
    }

    static String escape(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
