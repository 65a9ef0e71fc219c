package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.templar.payout.BlockStatus;
import org.templar.pool.node.NodeGroup.ChainPosition;

/** The block status table: the chain position decides; the submit answer only where no node says where the block is. */
class BlockVerdictTest {
    private static BlockStatus status(ChainPosition position, String... answers) {
        return BlockSubmitter.verdict(List.of(answers), position).status();
    }

    @Test
    void duplicateIsNotAcceptanceByItself() {
        assertEquals(BlockStatus.STALE, status(ChainPosition.OFF_ACTIVE, "duplicate"), "held on a side branch");
        assertEquals(BlockStatus.ACCEPTED, status(ChainPosition.ACTIVE, "duplicate"), "held on the active chain");
        assertEquals(BlockStatus.SUBMITTED, status(ChainPosition.UNREACHABLE, "duplicate"),
                "held, but where is unknown: no verdict");
    }

    @Test
    void theChainOverridesTheAnswer() {
        assertEquals(BlockStatus.ACCEPTED, status(ChainPosition.ACTIVE, "accepted"));
        assertEquals(BlockStatus.STALE, status(ChainPosition.OFF_ACTIVE, "accepted"), "connected, then reorganised away");
        assertEquals(BlockStatus.STALE, status(ChainPosition.OFF_ACTIVE, "inconclusive"));
        assertEquals(BlockStatus.ACCEPTED, status(ChainPosition.ACTIVE, "inconclusive"), "its branch won meanwhile");
        assertEquals(BlockStatus.ACCEPTED, status(ChainPosition.UNREACHABLE, "accepted"), "the node's own word, unchecked");
    }

    @Test
    void refusalsStayRejected() {
        assertEquals(BlockStatus.REJECTED, status(ChainPosition.OFF_ACTIVE, "bad-cb-amount"), "stored as failed");
        assertEquals(BlockStatus.REJECTED, status(ChainPosition.OFF_ACTIVE, "duplicate-invalid"));
        assertEquals(BlockStatus.REJECTED, status(ChainPosition.UNKNOWN, "high-hash"));
        assertEquals(BlockStatus.REJECTED, status(ChainPosition.UNREACHABLE, "http://n1: error refused"));
        assertEquals(BlockStatus.STALE, status(ChainPosition.OFF_ACTIVE, "high-hash", "duplicate"),
                "one node refused, another holds it off its active chain");
        assertEquals(BlockStatus.ACCEPTED, status(ChainPosition.ACTIVE, "high-hash", "accepted"));
    }
}
