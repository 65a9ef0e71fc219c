package org.templar.regtest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The RPC methods behind {@link JsonRpcHttpServer}: one call per JSON-RPC request, already
 * authenticated and unwrapped from its envelope. Implementations must be thread-safe: calls run on a
 * small worker pool, never on the network event loop.
 */
@FunctionalInterface
public interface RpcHandler {
    /**
     * @param method the request's method name
     * @param params an ArrayNode (positional), ObjectNode (named) or NullNode (absent/null)
     * @return the result; Java null or NullNode both mean JSON null
     * @throws RpcException with Core's code and message, e.g. -32601 "Method not found" for an unknown method
     */
    JsonNode call(String method, JsonNode params) throws RpcException;
}
