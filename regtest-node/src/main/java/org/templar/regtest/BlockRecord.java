package org.templar.regtest;

import java.math.BigInteger;
import java.util.Arrays;
import org.bitcoinj.base.Sha256Hash;

/**
 * One entry of the block index (Core's CBlockIndex): the block, its place in the tree and its
 * validation status. Status changes only under the chain's lock.
 */
public final class BlockRecord {
    /** Where a stored block stands. */
    public enum Status {
        /** Connected and on the active chain. */
        ACTIVE,
        /** Valid as far as checked without connecting (a side branch that never became the tip). */
        SIDE,
        /** Failed validation; resubmissions answer "duplicate-invalid". */
        FAILED
    }

    private final RawBlock block;
    private final BlockRecord parent;
    private final int height;
    private final BigInteger chainWork;
    private final long medianTimePast;
    private volatile Status status;
    /** Fees of each transaction (coinbase 0), known once connected. */
    private volatile long[] fees;

    BlockRecord(RawBlock block, BlockRecord parent, Status status) {
        this.block = block;
        this.parent = parent;
        this.height = parent == null ? 0 : parent.height + 1;
        BigInteger own = RegtestConsensus.work(block.bits());
        this.chainWork = parent == null ? own : parent.chainWork.add(own);
        this.status = status;
        long[] times = new long[RegtestConsensus.MEDIAN_TIME_SPAN];
        int n = 0;
        times[n++] = block.time();
        for (BlockRecord p = parent; p != null && n < times.length; p = p.parent) {
            times[n++] = p.block.time();
        }
        long[] used = Arrays.copyOf(times, n);
        Arrays.sort(used);
        this.medianTimePast = used[n / 2];
    }

    public Sha256Hash hash() {
        return block.hash();
    }

    public RawBlock block() {
        return block;
    }

    public BlockRecord parent() {
        return parent;
    }

    public int height() {
        return height;
    }

    public BigInteger chainWork() {
        return chainWork;
    }

    /** GetMedianTimePast: median of this block's time and up to ten ancestors'. */
    public long medianTimePast() {
        return medianTimePast;
    }

    public Status status() {
        return status;
    }

    void status(Status s) {
        this.status = s;
    }

    public long[] fees() {
        long[] f = fees;
        return f == null ? null : f.clone();
    }

    void fees(long[] f) {
        this.fees = f;
    }
}
