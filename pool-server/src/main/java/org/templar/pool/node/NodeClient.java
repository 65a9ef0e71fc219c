package org.templar.pool.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The node calls the pool makes, typed. One per configured node. */
public final class NodeClient {
    private final RpcClient rpc;

    public NodeClient(NodeEndpoint endpoint, Duration timeout) {
        this(endpoint, timeout, RpcObserver.NONE);
    }

    /** @param observer told of each call's latency and outcome (metrics per node) */
    public NodeClient(NodeEndpoint endpoint, Duration timeout, RpcObserver observer) {
        this.rpc = new RpcClient(endpoint, timeout, observer);
    }

    public NodeEndpoint endpoint() {
        return rpc.endpoint();
    }

    public RpcClient rpc() {
        return rpc;
    }

    public CompletableFuture<BlockTemplate> getBlockTemplate() {
        return rpc.call("getblocktemplate", Map.of("rules", List.of("segwit")))
                .thenApply(BlockTemplate::fromJson);
    }

    /** Completes with null when the node accepted the block, else with its reason string (e.g. "high-hash"). */
    public CompletableFuture<String> submitBlock(String blockHex) {
        return rpc.call("submitblock", blockHex).thenApply(r -> r == null || r.isNull() || r.isMissingNode() ? null : r.asText());
    }

    public CompletableFuture<String> getBestBlockHash() {
        return rpc.call("getbestblockhash").thenApply(JsonNode::asText);
    }

    public CompletableFuture<JsonNode> getBlockchainInfo() {
        return rpc.call("getblockchaininfo");
    }

    public CompletableFuture<Integer> getBlockCount() {
        return rpc.call("getblockcount").thenApply(JsonNode::asInt);
    }
}
