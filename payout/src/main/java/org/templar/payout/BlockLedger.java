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
     * Records the nodes' answer (or a later fate) for a recorded block.
     *
     * @return the block as it now stands
     * @throws IllegalStateException if the block cannot move from its current status to {@code status}
     * @throws LedgerException if no such block is recorded, or the database failed
     */
    BlockRecord updateBlockStatus(String blockHash, BlockStatus status, String reason);
}
