package org.templar.pool.core;

import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockStatus;
import org.templar.payout.Ledger;
import org.templar.pool.job.Job;
import org.templar.pool.node.NodeGroup;
import org.templar.share.Hex;

/**
 * Turns a solved share into a block on the network, off the event loop: record the candidate durably,
 * submit it to every node at once, record the nodes' verdict, and ask for a new template.
 */
public final class BlockSubmitter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlockSubmitter.class);

    private final NodeGroup nodes;
    private final Ledger ledger;
    private final Runnable onBlockAccepted;
    private final PoolMetrics metrics;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "block-submitter");
        t.setDaemon(true);
        return t;
    });

    public BlockSubmitter(NodeGroup nodes, Ledger ledger, PoolMetrics metrics, Runnable onBlockAccepted) {
        this.nodes = nodes;
        this.ledger = ledger;
        this.metrics = metrics;
        this.onBlockAccepted = onBlockAccepted;
    }

    /** Everything about a solve, captured on the event loop (copies: the hasher's buffers are reused). */
    public record Solve(Job job, Worker worker, byte[] extranonce, byte[] header, byte[] hash) {}

    public void submit(Solve solve) {
        executor.execute(() -> run(solve));
    }

    private void run(Solve s) {
        String hashHex = Hex.encode(Hex.reverse(s.hash()));
        int height = s.job().height();
        log.info("BLOCK CANDIDATE at height {}: {} by {}", height, hashHex, s.worker().username());
        String blockHex = Hex.encode(s.job().assembleBlock(s.extranonce(), s.header()));
        try {
            ledger.recordBlockCandidate(BlockRecord.candidate(height, hashHex, s.worker().username(),
                    s.job().coinbaseValue(), s.job().payout().describe(), Instant.now()));
        } catch (RuntimeException e) {
            // Never sit on a solved block: submit anyway, and say loudly that the ledger missed it.
            log.error("block {} could not be recorded in the ledger; submitting it anyway. Block hex: {}", hashHex,
                    blockHex, e);
        }
        NodeGroup.SubmitResult result;
        try {
            result = nodes.submitBlock(blockHex).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.error("submitting block {} failed: {}; block hex: {}", hashHex, e, blockHex);
            updateStatus(hashHex, BlockStatus.REJECTED, "submission failed: " + e);
            metrics.blockFound(height, false);
            return;
        }
        if (result.accepted()) {
            log.info("block {} at height {} ACCEPTED by the node ({})", hashHex, height, result.answers());
            updateStatus(hashHex, BlockStatus.ACCEPTED, null);
            metrics.blockFound(height, true);
            onBlockAccepted.run();
        } else if (result.answers().stream().allMatch(a -> a.equals("inconclusive"))) {
            // valid, but another block at this height got there first (a stale solve): not a pool fault
            log.warn("block {} at height {} is valid but not on the best chain (inconclusive)", hashHex, height);
            updateStatus(hashHex, BlockStatus.REJECTED, "inconclusive: valid but not on the best chain (stale)");
            metrics.blockFound(height, false);
        } else {
            log.error("block {} at height {} REJECTED: {}", hashHex, height, result.answers());
            updateStatus(hashHex, BlockStatus.REJECTED, String.join("; ", result.answers()));
            metrics.blockFound(height, false);
        }
    }

    private void updateStatus(String hash, BlockStatus status, String reason) {
        try {
            ledger.updateBlockStatus(hash, status, reason);
        } catch (RuntimeException e) {
            log.error("could not record status {} of block {}: {}", status, hash, e.toString());
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
