package org.templar.payout;

/**
 * What block submission needs from the ledger: a solved block is recorded durably before any node
 * sees it, and the nodes' verdict is recorded after. Both block for one commit: call them off the
 * event loop. {@link Ledger} implements it.
 */
public interface BlockLedger {
    /**
     * Records a found block and commits it before returning.
     *
     * @return true if recorded now, false if a block with this hash was already recorded (left unchanged)
     * @throws LedgerException if the database refused or is unreachable: the block is not recorded
     */
    boolean recordBlockCandidate(BlockRecord block);

    /**
     * As {@link #recordBlockCandidate(BlockRecord)}, with the whole serialized block in the same commit,
     * so a pool that dies before the nodes answered finds the solution again ({@link #unsettledSolutions})
     * and submits it on restart.
     *
     * @param blockHex the block as {@code submitblock} takes it, or null when the pool cannot build it
     */
    boolean recordBlockCandidate(BlockRecord block, String blockHex);

    /** A block recorded as solved whose fate no node ever told us, with the block to submit again. */
    record UnsettledSolution(BlockRecord block, String blockHex) {}

    /**
     * Blocks still CANDIDATE, oldest first, with their solution: the pool stopped (or died) after writing
     * them and before recording any node's answer. Blocks recorded without a solution are left out.
     */
    java.util.List<UnsettledSolution> unsettledSolutions();

    /**
     * Records what a TIDES block's coinbase pays (credits, payments, carries), before the block goes to
     * any node; see {@link PayoutLedger#creditCoinbase(String, org.templar.payout.scheme.Tides.JobPayout)}.
     */
    boolean creditCoinbase(String blockHash, org.templar.payout.scheme.Tides.JobPayout plan);

    /**
     * Records the nodes' answer (or a later fate) for a recorded block.
     *
     * @return the block as it now stands
     * @throws IllegalStateException if the block cannot move from its current status to {@code status}
     * @throws LedgerException if no such block is recorded, or the database failed
     */
    BlockRecord updateBlockStatus(String blockHash, BlockStatus status, String reason);
}
