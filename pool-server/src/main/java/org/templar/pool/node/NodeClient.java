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

    /**
     * Where block {@code hashDisplay} stands in this node's chain: getblockheader's
     * {@code confirmations}, which Core reports as the depth on the active chain (1 for the tip) and
     * -1 for a block it holds off the active chain (a side branch, or a block that failed). Empty when
     * the node does not know the block (RPC error -5).
     */
    public CompletableFuture<java.util.OptionalInt> confirmations(String hashDisplay) {
        return rpc.call("getblockheader", hashDisplay, true).handle((r, e) -> {
            if (e == null) {
                return java.util.OptionalInt.of(r.path("confirmations").asInt(-1));
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RpcException re && re.code() == RPC_INVALID_ADDRESS_OR_KEY) {
                return java.util.OptionalInt.empty();
            }
            throw cause instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(cause);
        });
    }

    /** Core's code for "Block not found" (RPC_INVALID_ADDRESS_OR_KEY). */
    private static final int RPC_INVALID_ADDRESS_OR_KEY = -5;

    public CompletableFuture<String> getBestBlockHash() {
        return rpc.call("getbestblockhash").thenApply(JsonNode::asText);
    }

    public CompletableFuture<JsonNode> getBlockchainInfo() {
        return rpc.call("getblockchaininfo");
    }

    public CompletableFuture<Integer> getBlockCount() {
        return rpc.call("getblockcount").thenApply(JsonNode::asInt);
    }

    /** One mempool entry as {@code getrawmempool true} reports it (Core v0.21+; wtxid since v0.20). */
    public record MempoolTx(String txid, String wtxid, long feeSats) {}

    /** The node's mempool keyed by wtxid (display hex), with each entry's base fee. */
    public CompletableFuture<Map<String, MempoolTx>> getRawMempoolVerbose() {
        return rpc.call("getrawmempool", true).thenApply(r -> {
            Map<String, MempoolTx> out = new java.util.HashMap<>();
            r.fields().forEachRemaining(e -> {
                JsonNode v = e.getValue();
                String wtxid = v.path("wtxid").asText(e.getKey());
                out.put(wtxid, new MempoolTx(e.getKey(), wtxid, sats(v.path("fees").path("base"))));
            });
            return out;
        });
    }

    /** {@code getrawmempool} (not verbose): the txids (display hex) of the node's mempool. */
    public CompletableFuture<List<String>> getRawMempool() {
        return rpc.call("getrawmempool", false).thenApply(r -> {
            List<String> out = new java.util.ArrayList<>(r.size());
            r.forEach(t -> out.add(t.asText()));
            return out;
        });
    }

    /**
     * {@code getmempoolentry txid}: its wtxid and base fee, or empty when the transaction is not (or no
     * longer) in the mempool (RPC error -5).
     */
    public CompletableFuture<java.util.Optional<MempoolTx>> getMempoolEntry(String txid) {
        return rpc.call("getmempoolentry", txid).handle((r, e) -> {
            if (e == null) {
                return java.util.Optional.of(new MempoolTx(txid, r.path("wtxid").asText(txid),
                        sats(r.path("fees").path("base"))));
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RpcException re && re.code() == RPC_INVALID_ADDRESS_OR_KEY) {
                return java.util.Optional.empty();
            }
            throw cause instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(cause);
        });
    }

    /** An unspent output as {@code gettxout} reports it. */
    public record UnspentOutput(long valueSats, byte[] script) {}

    /**
     * {@code gettxout txid n include_mempool}: the output if it is unspent (with include_mempool, also
     * outputs created by mempool transactions, and not outputs a mempool transaction spends).
     */
    public CompletableFuture<java.util.Optional<UnspentOutput>> getTxOut(String txid, long index, boolean includeMempool) {
        return rpc.call("gettxout", txid, index, includeMempool).thenApply(r -> r == null || r.isNull() || r.isMissingNode()
                ? java.util.Optional.<UnspentOutput>empty()
                : java.util.Optional.of(new UnspentOutput(sats(r.path("value")),
                        org.templar.share.Hex.decode(r.path("scriptPubKey").path("hex").asText()))));
    }

    /** {@code getrawtransaction txid}: the serialized transaction (mempool, or any with -txindex). */
    public CompletableFuture<byte[]> getRawTransaction(String txid) {
        return rpc.call("getrawtransaction", txid).thenApply(r -> org.templar.share.Hex.decode(r.asText()));
    }

    /**
     * BIP23 block proposal ({@code getblocktemplate {"mode":"proposal"}}): the node checks the block
     * fully except its proof of work. Completes with null when valid, else the node's reason.
     */
    public CompletableFuture<String> proposeBlock(String blockHex) {
        return rpc.call("getblocktemplate", Map.of("mode", "proposal", "data", blockHex, "rules", List.of("segwit")))
                .thenApply(r -> r == null || r.isNull() || r.isMissingNode() ? null : r.asText());
    }

    /** A BTC amount as the node writes it (a JSON number with up to 8 decimals) in satoshis, exactly. */
    static long sats(JsonNode btc) {
        return btc.decimalValue().setScale(8, java.math.RoundingMode.HALF_EVEN).movePointRight(8).longValueExact();
    }
}
