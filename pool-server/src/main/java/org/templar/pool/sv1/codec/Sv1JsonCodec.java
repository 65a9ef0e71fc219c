package org.templar.pool.sv1.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Stateless JSON-RPC envelope codec for one Stratum V1 line (without its newline). Knows nothing of
 * methods: {@link Sv1Methods} turns envelopes into typed messages.
 */
public final class Sv1JsonCodec {
    /** Nesting limits keep a hostile line from costing more than its bytes. */
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxNumberLength(100).build())
            .build());

    private Sv1JsonCodec() {}

    public static JsonNodeFactory nodes() {
        return JsonNodeFactory.instance;
    }

    public static Sv1Message decode(String line) throws Sv1ProtocolException {
        JsonNode root;
        try {
            root = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new Sv1ProtocolException(Sv1Error.PARSE_ERROR, "Parse error: invalid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new Sv1ProtocolException(Sv1Error.INVALID_REQUEST, "Invalid request: expected a JSON object");
        }
        JsonNode id = root.get("id");
        if (id != null && !(id.isNull() || id.isNumber() || id.isTextual())) {
            throw new Sv1ProtocolException(Sv1Error.INVALID_REQUEST, "Invalid request: id must be a number, string or null");
        }
        JsonNode method = root.get("method");
        if (method != null && !method.isNull()) {
            if (!method.isTextual()) {
                throw new Sv1ProtocolException(Sv1Error.INVALID_REQUEST, "Invalid request: method must be a string");
            }
            JsonNode params = root.get("params");
            List<JsonNode> list = new ArrayList<>();
            if (params == null || params.isNull()) {
                // some miners omit params on parameterless calls
            } else if (params.isArray()) {
                params.forEach(list::add);
            } else {
                throw new Sv1ProtocolException(Sv1Error.INVALID_PARAMS, "Invalid params: params must be an array");
            }
            return new Sv1Request(id, method.asText(), list);
        }
        if (root.has("result") || root.has("error")) {
            return new Sv1Response(id, root.get("result"), decodeError(root.get("error")));
        }
        throw new Sv1ProtocolException(Sv1Error.INVALID_REQUEST, "Invalid request: neither method nor result");
    }

    private static Sv1Error decodeError(JsonNode error) {
        if (error == null || error.isNull()) {
            return null;
        }
        if (error.isArray() && error.size() >= 2) {
            return new Sv1Error(error.get(0).asInt(Sv1Error.OTHER), error.get(1).asText());
        }
        if (error.isObject()) {
            return new Sv1Error(error.path("code").asInt(Sv1Error.OTHER), error.path("message").asText());
        }
        return new Sv1Error(Sv1Error.OTHER, error.asText());
    }

    /** One line of JSON, without the trailing newline. */
    public static String encode(Sv1Message message) {
        ObjectNode root = nodes().objectNode();
        if (message instanceof Sv1Request r) {
            root.set("id", r.id());
            root.put("method", r.method());
            ArrayNode params = root.putArray("params");
            r.params().forEach(params::add);
        } else if (message instanceof Sv1Response r) {
            root.set("id", r.id());
            root.set("result", r.isError() ? NullNode.getInstance() : r.result());
            if (r.isError()) {
                ArrayNode err = root.putArray("error");
                err.add(r.error().code());
                err.add(r.error().message());
                err.addNull();
            } else {
                // "error": null, explicitly: some firmware breaks when the key is missing
                root.putNull("error");
            }
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a JSON tree", e);
        }
    }
}
