package org.templar.pool.sv1.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

/** A response: exactly one of result / error is meaningful; {@code error == null} means success. */
public record Sv1Response(JsonNode id, JsonNode result, Sv1Error error) implements Sv1Message {
    public Sv1Response {
        id = id == null ? NullNode.getInstance() : id;
        result = result == null ? NullNode.getInstance() : result;
    }

    public static Sv1Response ok(JsonNode id, JsonNode result) {
        return new Sv1Response(id, result, null);
    }

    public static Sv1Response error(JsonNode id, Sv1Error error) {
        return new Sv1Response(id, NullNode.getInstance(), error);
    }

    public boolean isError() {
        return error != null;
    }
}
