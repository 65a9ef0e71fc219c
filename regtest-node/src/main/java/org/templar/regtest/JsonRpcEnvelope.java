package org.templar.regtest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Bitcoin Core's JSON-RPC envelope rules (httprpc.cpp HTTPReq_JSONRPC, request.cpp): request
 * parsing, JSON-RPC 1.0-style replies (both "result" and "error", HTTP 500/404/400 on error)
 * versus "jsonrpc":"2.0" replies (HTTP 200, notifications answered 204), and batches (always 200).
 * Pure: body bytes in, status and body out; no Netty here.
 */
public final class JsonRpcEnvelope {
    /** An HTTP answer: status and JSON body (null for 204). */
    public record Reply(int status, String body) {}

    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
            .setNodeFactory(CoreJson.F);

    private final RegtestRpc rpc;

    public JsonRpcEnvelope(RegtestRpc rpc) {
        this.rpc = rpc;
    }

    private enum Version { V1, V2 }

    /** What Core keeps while parsing one request: the id (absent or a value) and the version. */
    private static final class Request {
        JsonNode id = NullNode.instance; // null here means "no id member"
        Version version = Version.V1;
        String method;
        JsonNode params;

        boolean isNotification() {
            return id == null && version == Version.V2;
        }
    }

    public Reply handle(byte[] body) throws InterruptedException {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (IOException e) {
            root = null;
        }
        if (root == null || root.isMissingNode()) {
            return errorReply(new RpcException(RpcException.RPC_PARSE_ERROR, "Parse error"), new Request());
        }
        if (root.isObject()) {
            Request req = new Request();
            try {
                parse(root, req);
                if (req.version == Version.V2) {
                    ObjectNode reply = execCatching(req);
                    return req.isNotification() ? new Reply(204, null) : new Reply(200, write(reply));
                }
                JsonNode result = rpc.call(req.method, req.params);
                return new Reply(200, write(replyObj(result, null, req)));
            } catch (RpcException e) {
                return errorReply(e, req);
            } catch (RuntimeException e) {
                // Core turns a std::exception in a handler into RPC_MISC_ERROR with its text
                return errorReply(new RpcException(RpcException.RPC_MISC_ERROR, String.valueOf(e.getMessage())), req);
            }
        }
        if (root.isArray()) {
            ArrayNode replies = CoreJson.F.arrayNode();
            for (JsonNode element : root) {
                Request req = new Request();
                ObjectNode reply;
                try {
                    parse(element, req);
                    reply = execCatching(req);
                } catch (RpcException e) {
                    reply = replyObj(null, errorObj(e), req);
                }
                if (!req.isNotification()) {
                    replies.add(reply);
                }
            }
            return new Reply(200, write(replies));
        }
        return errorReply(new RpcException(RpcException.RPC_PARSE_ERROR, "Top-level object parse error"), new Request());
    }

    private static void parse(JsonNode node, Request req) throws RpcException {
        if (!node.isObject()) {
            throw new RpcException(RpcException.RPC_INVALID_REQUEST, "Invalid Request object");
        }
        req.id = node.has("id") ? node.get("id") : null;
        JsonNode v = node.get("jsonrpc");
        if (v != null && !v.isNull()) {
            if (!v.isTextual()) {
                throw new RpcException(RpcException.RPC_INVALID_REQUEST, "jsonrpc field must be a string");
            }
            switch (v.asText()) {
                case "1.0" -> req.version = Version.V1;
                case "2.0" -> req.version = Version.V2;
                default -> throw new RpcException(RpcException.RPC_INVALID_REQUEST, "JSON-RPC version not supported");
            }
        }
        JsonNode m = node.get("method");
        if (m == null || m.isNull()) {
            throw new RpcException(RpcException.RPC_INVALID_REQUEST, "Missing method");
        }
        if (!m.isTextual()) {
            throw new RpcException(RpcException.RPC_INVALID_REQUEST, "Method must be a string");
        }
        req.method = m.asText();
        JsonNode p = node.get("params");
        if (p == null || p.isNull()) {
            req.params = CoreJson.F.arrayNode();
        } else if (p.isArray() || p.isObject()) {
            req.params = p;
        } else {
            throw new RpcException(RpcException.RPC_INVALID_REQUEST, "Params must be an array or object");
        }
    }

    private ObjectNode execCatching(Request req) throws InterruptedException {
        try {
            return replyObj(rpc.call(req.method, req.params), null, req);
        } catch (RpcException e) {
            return replyObj(null, errorObj(e), req);
        } catch (RuntimeException e) {
            return replyObj(null, errorObj(new RpcException(RpcException.RPC_MISC_ERROR, String.valueOf(e.getMessage()))), req);
        }
    }

    /** JSONErrorReply: HTTP status from the error code, body in the request's version. */
    private static Reply errorReply(RpcException e, Request req) {
        int status = switch (e.code()) {
            case RpcException.RPC_INVALID_REQUEST -> 400;
            case RpcException.RPC_METHOD_NOT_FOUND -> 404;
            default -> 500;
        };
        return new Reply(status, write(replyObj(null, errorObj(e), req)));
    }

    static ObjectNode errorObj(RpcException e) {
        ObjectNode err = CoreJson.F.objectNode();
        err.put("code", e.code());
        err.put("message", e.getMessage());
        return err;
    }

    /** JSONRPCReplyObj: v1 carries both result and error; v2 only the one that applies. */
    private static ObjectNode replyObj(JsonNode result, ObjectNode error, Request req) {
        ObjectNode o = CoreJson.F.objectNode();
        if (req.version == Version.V2) {
            o.put("jsonrpc", "2.0");
        }
        if (error == null) {
            o.set("result", result == null ? NullNode.instance : result);
            if (req.version == Version.V1) {
                o.set("error", NullNode.instance);
            }
        } else {
            if (req.version == Version.V1) {
                o.set("result", NullNode.instance);
            }
            o.set("error", error);
        }
        if (req.id != null) {
            o.set("id", req.id);
        }
        return o;
    }

    static String write(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
