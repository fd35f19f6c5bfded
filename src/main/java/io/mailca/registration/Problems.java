package io.mailca.registration;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Problem documents that are stored on an object (an invalid order or challenge). */
final class Problems {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Problems() {
    }

    static String json(ProblemType type, String detail) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", type.urn());
        node.put("detail", detail);
        node.put("status", type.status());
        return node.toString();
    }
}
