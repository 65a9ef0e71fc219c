package org.templar.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.templar.payout.BlockTracker;
import org.templar.pool.node.NodeClient;
import org.templar.pool.node.RpcException;

/**
 * The block tracker's view of the chain, from a node's {@code getblockheader} and
 * {@code getblockcount}. Any other failure (node down, timeout) propagates, so a poll that cannot
 * ask the node changes nothing rather than taking silence for an orphan.
 */
final class NodeChainView implements BlockTracker.ChainView {
    /** Core's RPC_INVALID_ADDRESS_OR_KEY: what getblockheader answers for a hash it does not know. */
    private static final int BLOCK_NOT_FOUND = -5;

    private final NodeClient node;
    private final Duration timeout;
    private final long halvingInterval;

    /** @param halvingInterval blocks between subsidy halvings: 150 on regtest, 210,000 elsewhere */
    NodeChainView(NodeClient node, Duration timeout, long halvingInterval) {
        this.node = node;
        this.timeout = timeout;
        this.halvingInterval = halvingInterval;
    }

    static long halvingInterval(org.bitcoinj.base.BitcoinNetwork network) {
        return network == org.bitcoinj.base.BitcoinNetwork.REGTEST ? 150 : 210_000;
    }

    @Override
    public Optional<Header> header(String blockHash) {
        try {
            JsonNode h = await(node.rpc().call("getblockheader", blockHash, true));
            return Optional.of(new Header(h.path("confirmations").asLong(), h.path("difficulty").asDouble()));
        } catch (RpcException e) {
            if (e.code() == BLOCK_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public long tipHeight() {
        return await(node.getBlockCount());
    }

    @Override
    public double networkDifficulty() {
        double difficulty = await(node.getBlockchainInfo()).path("difficulty").asDouble();
        if (!(difficulty > 0)) {
            throw new IllegalStateException("node " + node.endpoint() + " reports no network difficulty");
        }
        return difficulty;
    }

    /** Core's GetBlockSubsidy: 50 BTC halved every interval, nothing after 64 halvings. */
    @Override
    public long subsidy(long height) {
        long halvings = height / halvingInterval;
        return halvings >= 64 ? 0 : 5_000_000_000L >> halvings;
    }

    private <T> T await(java.util.concurrent.CompletableFuture<T> future) {
        try {
            return future.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("node " + node.endpoint() + " did not answer in " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the node", e);
        }
    }
}
