package org.templar.payout;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a found block stands. The allowed moves mirror what can actually happen to a block:
 * it is recorded as a {@link #CANDIDATE} before submission, the nodes answer, and an accepted
 * block either reaches coinbase maturity or is orphaned by a reorganisation.
 */
public enum BlockStatus {
    /** Solved and recorded; not yet handed to a node. */
    CANDIDATE,
    /**
     * Handed to at least one node; no verdict yet (also where it stays when a node said it holds the
     * block but none could say where in its chain).
     */
    SUBMITTED,
    /**
     * On a node's active chain when the verdict was taken (getblockheader: confirmations >= 0). A
     * submitblock answer of "duplicate" alone is not enough: the node may hold the block off its
     * active chain.
     */
    ACCEPTED,
    /** Every node refused it; the reason holds Core's reject string (e.g. {@code high-hash}). */
    REJECTED,
    /**
     * Held by a node, but not on its active chain (getblockheader: confirmations -1): another block at
     * its height got there first (Core answers "inconclusive", or "duplicate" when it already had the
     * block). It may still win if its branch grows.
     */
    STALE,
    /**
     * Not in the best chain {@code pool.orphan_depth} blocks past its height: given up. A reorganisation
     * that brings it back before coinbase maturity makes it ACCEPTED again (the tracker keeps asking).
     */
    ORPHANED,
    /**
     * Buried 100 blocks deep: its coinbase is spendable and can be paid out. Only a reorganisation
     * deeper than that takes it off the chain again (STALE, then ORPHANED), its credits taken back.
     */
    MATURE;

    /**
     * Whether a block in this status may move to {@code next}. Repeating the same status is allowed
     * (several nodes answer the same submission). REJECTED may still become ACCEPTED: with several
     * nodes, one may say {@code inconclusive} or {@code duplicate} while another accepts, and the
     * chain itself is the final word. An ACCEPTED block that a reorganisation takes off the best chain
     * becomes STALE (its branch may win again), and an ORPHANED one that a reorganisation brings back
     * becomes ACCEPTED: the node's best chain decides, the ledger follows. Even a MATURE block can
     * leave the best chain, in a reorganisation deeper than coinbase maturity: rare enough that the
     * tracker asks about mature blocks less often, but a ledger must not keep paying for a block
     * the chain no longer has.
     */
    public boolean canMoveTo(BlockStatus next) {
        return next == this || successors().contains(next);
    }

    private Set<BlockStatus> successors() {
        switch (this) {
            case CANDIDATE:
                return EnumSet.of(SUBMITTED, ACCEPTED, REJECTED, STALE);
            case SUBMITTED:
                // ORPHANED: a node took it, but the chain moved on before any answer was recorded.
                return EnumSet.of(ACCEPTED, REJECTED, STALE, ORPHANED);
            case STALE:
                // The chain decides a stale block's fate: its branch wins, or another branch does.
                return EnumSet.of(ACCEPTED, ORPHANED);
            case REJECTED:
                return EnumSet.of(ACCEPTED);
            case ACCEPTED:
                return EnumSet.of(STALE, ORPHANED, MATURE);
            case ORPHANED:
                return EnumSet.of(ACCEPTED);
            case MATURE:
                return EnumSet.of(STALE, ORPHANED);
            default:
                return EnumSet.noneOf(BlockStatus.class);
        }
    }
}
