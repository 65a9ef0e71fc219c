package org.templar.pool.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.templar.payout.BlockLedger;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockStatus;
import org.templar.payout.LedgerBusyException;
import org.templar.payout.LedgerException;
import org.templar.payout.ShareLedger;
import org.templar.payout.ShareRecord;

/**
 * The ledger as the share path sees it, in memory: shares are durable when the test says so, or
 * refused at once as busy, or lost with their batch, as the real group-commit ledger can do.
 * Thread-safe (blocks arrive on the block submitter's thread).
 */
public final class InMemoryLedger implements ShareLedger, BlockLedger {
    /** What {@link #recordShare} does with the next shares. */
    public enum Mode {
        /** Durable at once. */
        DURABLE,
        /** Queued: durable on {@link #commitQueued()}, or lost on {@link #failQueued()}. */
        QUEUED,
        /** Queue full: refused at once with {@link LedgerBusyException}. */
        BUSY
    }

    private record Pending(ShareRecord share, CompletableFuture<Void> done) {}

    private Mode mode = Mode.DURABLE;
    private final List<ShareRecord> durable = new ArrayList<>();
    private final List<Pending> queued = new ArrayList<>();
    private final Map<String, BlockRecord> blocks = new LinkedHashMap<>();
    private final java.util.Map<String, String> solutions = new java.util.LinkedHashMap<>();
    private int refused;

    public synchronized InMemoryLedger mode(Mode mode) {
        this.mode = mode;
        return this;
    }

    @Override
    public synchronized CompletableFuture<Void> recordShare(ShareRecord share) {
        switch (mode) {
            case BUSY:
                refused++;
                return CompletableFuture.failedFuture(new LedgerBusyException("share ledger busy (test)"));
            case QUEUED:
                CompletableFuture<Void> done = new CompletableFuture<>();
                queued.add(new Pending(share, done));
                return done;
            default:
                durable.add(share);
                return CompletableFuture.completedFuture(null);
        }
    }

    /** Writes every queued share, completing their futures. */
    public void commitQueued() {
        List<Pending> batch;
        synchronized (this) {
            batch = new ArrayList<>(queued);
            queued.clear();
            batch.forEach(p -> durable.add(p.share()));
        }
        batch.forEach(p -> p.done().complete(null));
    }

    /** The queued shares' batch fails: none of them is recorded. */
    public void failQueued() {
        List<Pending> batch;
        synchronized (this) {
            batch = new ArrayList<>(queued);
            queued.clear();
        }
        batch.forEach(p -> p.done().completeExceptionally(new LedgerException("batch failed (test)")));
    }

    /** The shares that are durable, in the order they were written. */
    public synchronized List<ShareRecord> shares() {
        return List.copyOf(durable);
    }

    public synchronized int queuedCount() {
        return queued.size();
    }

    /** Shares refused as busy. */
    public synchronized int refusedCount() {
        return refused;
    }

    @Override
    public synchronized boolean recordBlockCandidate(BlockRecord block) {
        return blocks.putIfAbsent(block.hash(), block) == null;
    }

    @Override
    public synchronized boolean recordBlockCandidate(BlockRecord block, String blockHex) {
        boolean recorded = recordBlockCandidate(block);
        if (recorded && blockHex != null) {
            solutions.put(block.hash(), blockHex);
        }
        return recorded;
    }

    @Override
    public synchronized java.util.List<UnsettledSolution> unsettledSolutions() {
        java.util.List<UnsettledSolution> out = new java.util.ArrayList<>();
        solutions.forEach((hash, hex) -> {
            BlockRecord b = blocks.get(hash);
            if (b.status() == BlockStatus.CANDIDATE) {
                out.add(new UnsettledSolution(b, hex));
            }
        });
        return out;
    }

    @Override
    public boolean creditCoinbase(String blockHash, org.templar.payout.scheme.Tides.JobPayout plan) {
        throw new UnsupportedOperationException("TIDES credits are the JDBC ledger's (PayoutLedger)");
    }

    @Override
    public synchronized BlockRecord updateBlockStatus(String blockHash, BlockStatus status, String reason) {
        BlockRecord b = blocks.get(blockHash);
        if (b == null) {
            throw new LedgerException("no block " + blockHash);
        }
        BlockRecord moved = new BlockRecord(b.height(), b.hash(), b.worker(), b.user(), b.rewardSats(),
                b.payoutDestination(), b.foundAt(), status, reason);
        blocks.put(blockHash, moved);
        return moved;
    }

    /** Block candidates recorded, in order. */
    public synchronized List<BlockRecord> blocks() {
        return List.copyOf(blocks.values());
    }
}
