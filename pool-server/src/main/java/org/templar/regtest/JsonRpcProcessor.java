package org.templar.regtest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * Bitcoin Core's JSON-RPC envelope rules (src/httprpc.cpp, src/rpc/request.cpp), without any
 * networking: request body in, HTTP status and reply body out.
 *
 * <ul>
 *   <li>Legacy requests (no "jsonrpc", or "1.0"/"1.1") get {"result","error","id"}; an error makes the
 *       HTTP status 500, or 404 for method-not-found, 400 for invalid-request.</li>
 *   <li>"jsonrpc":"2.0" requests get {"jsonrpc":"2.0","result"|"error","id"} with HTTP 200; without an
 *       "id" they are notifications: executed, answered 204 with no body.</li>
 *   <li>Batches (arrays) always answer 200 with one reply per non-notification entry (204 when none).</li>
 *   <li>A body that is not JSON is -32700 "Parse error"; a top-level value that is neither object nor
 *       array is -32700 "Top-level object parse error".</li>
 * </ul>
 */
public final class JsonRpcProcessor {
    /** Shared JSON settings: exact decimals (amounts), plain decimal output, trailing garbage refused. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /** HTTP status plus body; body is null for 204 No Content. */
    public record Reply(int status, String body) { }

    private final RpcHandler handler;

    public JsonRpcProcessor(RpcHandler handler) {
        this.handler = handler;
    }

    private enum Version { LEGACY, V2 }

    /** One parsed request envelope (Core's JSONRPCRequest). */
    private record Request(JsonNode id, Version version, String method, JsonNode params, boolean notification) { }

    private static final class InvalidRequest extends Exception {
        final RpcException error;
        final JsonNode id;
        final Version version;

        InvalidRequest(RpcException error, JsonNode id, Version version) {
            super(null, null, false, false);
            this.error = error;
            this.id = id;
            this.version = version;
        }
    }

    public Reply process(String body) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            root = null;
        }
        if (root == null || root.isMissingNode()) {
            return errorReply(new RpcException(RpcException.RPC_PARSE_ERROR, "Parse error"), NullNode.getInstance(),
                    Version.LEGACY);
        }
        if (root.isObject()) {
            Request req;
            try {
                req = parse(root);
            } catch (InvalidRequest e) {
                return errorReply(e.error, e.id, e.version);
            }
            ObjectNode reply;
            if (req.version() == Version.V2) {
                reply = execute(req);
            } else {
                try {
                    reply = replyObject(Version.LEGACY, invoke(req), null, req.id());
                } catch (RpcException e) {
                    return errorReply(e, req.id(), Version.LEGACY);
                }
            }
            if (req.notification()) {
                return new Reply(204, null);
            }
            return new Reply(200, write(reply));
        }
        if (root.isArray()) {
            ArrayNode replies = MAPPER.createArrayNode();
            for (JsonNode entry : root) {
                try {
                    Request req = parse(entry);
                    ObjectNode reply = execute(req);
                    if (!req.notification()) {
                        replies.add(reply);
                    }
                } catch (InvalidRequest e) {
                    replies.add(replyObject(e.version, null, e.error, e.id));
                }
            }
            return replies.isEmpty() ? new Reply(204, null) : new Reply(200, write(replies));
        }
        return errorReply(new RpcException(RpcException.RPC_PARSE_ERROR, "Top-level object parse error"),
                NullNode.getInstance(), Version.LEGACY);
    }

    /** Core's JSONRPCRequest::parse. */
    private static Request parse(JsonNode node) throws InvalidRequest {
        if (!node.isObject()) {
            throw new InvalidRequest(new RpcException(RpcException.RPC_INVALID_REQUEST, "Invalid Request object"),
                    NullNode.getInstance(), Version.LEGACY);
        }
        JsonNode id = node.has("id") ? node.get("id") : NullNode.getInstance();
        Version version = Version.LEGACY;
        JsonNode jsonrpc = node.get("jsonrpc");
        if (jsonrpc != null && !jsonrpc.isNull()) {
            if (!jsonrpc.isTextual()) {
                throw new InvalidRequest(new RpcException(RpcException.RPC_INVALID_REQUEST,
                        "jsonrpc field must be a string"), id, version);
            }
            switch (jsonrpc.asText()) {
                case "1.0", "1.1" -> version = Version.LEGACY;
                case "2.0" -> version = Version.V2;
                default -> throw new InvalidRequest(new RpcException(RpcException.RPC_INVALID_REQUEST,
                        "JSON-RPC version not supported"), id, version);
            }
        }
        boolean notification = version == Version.V2 && !node.has("id");
        JsonNode method = node.get("method");
        if (method == null || method.isNull()) {
            throw new InvalidRequest(new RpcException(RpcException.RPC_INVALID_REQUEST, "Missing method"), id, version);
        }
        if (!method.isTextual()) {
            throw new InvalidRequest(new RpcException(RpcException.RPC_INVALID_REQUEST, "Method must be a string"), id,
                    version);
        }
        JsonNode params = node.get("params");
        if (params == null || params.isNull()) {
            params = NullNode.getInstance();
        } else if (!params.isArray() && !params.isObject()) {
            throw new InvalidRequest(new RpcException(RpcException.RPC_INVALID_REQUEST,
                    "Params must be an array or object"), id, version);
        }
        return new Request(id, version, method.asText(), params, notification);
    }

    /** Runs a request and always returns a reply object (errors inside it), as for 2.0 and batches. */
    private ObjectNode execute(Request req) {
        try {
            return replyObject(req.version(), invoke(req), null, req.id());
        } catch (RpcException e) {
            return replyObject(req.version(), null, e, req.id());
        }
    }

    private JsonNode invoke(Request req) throws RpcException {
        try {
            JsonNode result = handler.call(req.method(), req.params());
            return result == null ? NullNode.getInstance() : result;
        } catch (RpcException e) {
            throw e;
        } catch (RuntimeException e) {
            // Core turns any std::exception escaping a method into RPC_MISC_ERROR with its text.
            throw new RpcException(RpcException.RPC_MISC_ERROR, String.valueOf(e.getMessage()));
        }
    }

    /** Core's JSONErrorReply: HTTP status chosen from the error code. */
    private static Reply errorReply(RpcException e, JsonNode id, Version version) {
        int status = switch (e.code()) {
            case RpcException.RPC_INVALID_REQUEST -> 400;
            case RpcException.RPC_METHOD_NOT_FOUND -> 404;
            default -> 500;
        };
        return new Reply(status, write(replyObject(version, null, e, id)));
    }

    /** Core's JSONRPCReplyObj. */
    private static ObjectNode replyObject(Version version, JsonNode result, RpcException error, JsonNode id) {
        ObjectNode o = MAPPER.createObjectNode();
        if (version == Version.V2) {
            o.put("jsonrpc", "2.0");
            if (error != null) {
                o.set("error", errorObject(error));
            } else {
                o.set("result", result);
            }
        } else {
            o.set("result", error != null ? NullNode.getInstance() : result);
            o.set("error", error != null ? errorObject(error) : NullNode.getInstance());
        }
        o.set("id", id);
        return o;
    }

    private static ObjectNode errorObject(RpcException e) {
        ObjectNode err = MAPPER.createObjectNode();
        err.put("code", e.code());
        err.put("message", e.getMessage());
        return err;
    }

    private static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JsonNode always serializes", e);
        }
    }
}
