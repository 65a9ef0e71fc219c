package org.templar.pool.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * JSON-RPC over HTTP to Bitcoin Core (or the embedded regtest node, which speaks the same dialect).
 * Asynchronous so that no caller, least of all an event loop, ever waits on the node.
 *
 * <p>The body is sent from a byte array so the request carries Content-Length and never
 * Transfer-Encoding: chunked (Core v31 answers 400 to a request that carries both).
 */
public final class RpcClient {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final NodeEndpoint endpoint;
    private final HttpClient http;
    private final Duration timeout;
    private final String authorization;
    private final AtomicLong ids = new AtomicLong();
    private final RpcObserver observer;
    private final String node;

    public RpcClient(NodeEndpoint endpoint, Duration timeout) {
        this(endpoint, timeout, RpcObserver.NONE);
    }

    public RpcClient(NodeEndpoint endpoint, Duration timeout, RpcObserver observer) {
        this.endpoint = endpoint;
        this.observer = observer;
        this.node = endpoint.rpcUri().getHost() + ":" + endpoint.rpcUri().getPort();
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
        String token = endpoint.user() + ":" + endpoint.password();
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8));
    }

    public NodeEndpoint endpoint() {
        return endpoint;
    }

    /** Calls {@code method} with positional params; completes with the result or an {@link RpcException}. */
    public CompletableFuture<JsonNode> call(String method, Object... params) {
        ObjectNode request = MAPPER.createObjectNode();
        request.put("jsonrpc", "1.0");
        request.put("id", ids.incrementAndGet());
        request.put("method", method);
        ArrayNode p = request.putArray("params");
        for (Object o : params) {
            p.add(MAPPER.valueToTree(o));
        }
        byte[] body;
        try {
            body = MAPPER.writeValueAsBytes(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new RpcException("cannot encode " + method, e));
        }
        HttpRequest httpRequest = HttpRequest.newBuilder(endpoint.rpcUri())
                .timeout(timeout)
                .header("Authorization", authorization)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        long start = System.nanoTime();
        return http.sendAsync(httpRequest, HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, error) -> {
                    if (error != null) {
                        observer.completed(node, method, System.nanoTime() - start, RpcObserver.Outcome.FAILED);
                        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                        throw new RpcException(method + " to " + endpoint.rpcUri() + " failed: " + cause, cause);
                    }
                    try {
                        JsonNode result = parse(method, response);
                        observer.completed(node, method, System.nanoTime() - start, RpcObserver.Outcome.OK);
                        return result;
                    } catch (RpcException e) {
                        // a JSON-RPC error object means the node is up and answered; anything else did not work
                        observer.completed(node, method, System.nanoTime() - start,
                                !e.isTransport() ? RpcObserver.Outcome.RPC_ERROR : RpcObserver.Outcome.FAILED);
                        throw e;
                    }
                });
    }

    private JsonNode parse(String method, HttpResponse<byte[]> response) {
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new RpcException(method + ": node refused the RPC credentials (HTTP " + response.statusCode() + ")", null);
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new RpcException(method + ": node answered HTTP " + response.statusCode() + " with a body that is not JSON", e);
        }
        if (root == null || !root.isObject()) {
            throw new RpcException(method + ": node answered HTTP " + response.statusCode() + " without a JSON-RPC object", null);
        }
        JsonNode error = root.get("error");
        if (error != null && !error.isNull()) {
            throw new RpcException(error.path("code").asInt(-1), error.path("message").asText("unknown error"));
        }
        if (response.statusCode() != 200) {
            throw new RpcException(method + ": node answered HTTP " + response.statusCode(), null);
        }
        return root.path("result");
    }
}
