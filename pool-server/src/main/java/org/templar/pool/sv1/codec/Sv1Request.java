package org.templar.pool.sv1.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.List;
import java.util.Objects;

/**
 * A request (id present) or notification (id null) with positional parameters. The id is kept as the
 * JSON value the peer sent (number or string) so that the response echoes it exactly.
 */
public record Sv1Request(JsonNode id, String method, List<JsonNode> params) implements Sv1Message {
    public Sv1Request {
        id = id == null ? NullNode.getInstance() : id;
        Objects.requireNonNull(method, "method");
        params = List.copyOf(params);
    }

    public boolean isNotification() {
        return id.isNull();
    }
}
