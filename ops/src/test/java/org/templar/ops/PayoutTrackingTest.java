package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.payout.Balance;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockSettlement;
import org.templar.payout.BlockStatus;
import org.templar.payout.PayoutLedger;
import org.templar.payout.scheme.Credit;

/**
 * End to end on the embedded node: a pool-mode PPLNS block is credited by the running pool's block
 * tracker, matures once the chain is 100 blocks deeper, and the account's available balance is what
 * the test computes independently: the reward less a 1 % fee rounded down.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PayoutTrackingTest {
    @Test
    void aPoolBlockIsCreditedAndMaturesThroughTheRunningTracker(@TempDir Path dir) throws Exception {
        String operator = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("pool.payout_address", operator,
                "pool.payout_scheme", "pplns", "pool.fee_percent", "1", "pool.track_seconds", "1"))) {
            try (CpuMiner m = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, "alice.rig1"))) {
                assertTrue(m.awaitBlocks(1, Duration.ofSeconds(90)), "a block: " + m.snapshot());
            }
            PayoutLedger payouts = new PayoutLedger(pool.pool().ledger());
            PoolHarness.await(Duration.ofSeconds(30), () -> pool.pool().ledger().recentBlocks(10).stream()
                    .anyMatch(b -> payouts.settlement(b.hash()).isPresent()), "the tracker credits the block");
            BlockRecord block = pool.pool().ledger().recentBlocks(10).stream()
                    .filter(b -> payouts.settlement(b.hash()).isPresent()).findFirst().orElseThrow();
            long fee = block.rewardSats() / 100; // 1 %, rounded down
            assertEquals(List.of(new Credit("alice", block.rewardSats() - fee)), payouts.settlement(block.hash()).get().credits(),
                    "alice mined every share of the window");
            assertTrue(payouts.balance("alice").immatureSats() >= block.rewardSats() - fee);

            pool.pool().embeddedNode().orElseThrow().generateToAddress(100, operator);
            PoolHarness.await(Duration.ofSeconds(60), () -> payouts.settlement(block.hash()).orElseThrow().state()
                    == BlockSettlement.State.MATURE, "the block matures at 100 confirmations");
            assertEquals(BlockStatus.MATURE, pool.pool().ledger().blockByHash(block.hash()).orElseThrow().status());
            // The miner may have found more than one block before it stopped: every one of them is
            // 100 deep now, and alice's available balance is exactly their rewards less 1 % each.
            PoolHarness.await(Duration.ofSeconds(30), () -> payouts.balance("alice").immatureSats() == 0,
                    "every pool block matured");
            long expected = 0;
            for (BlockRecord b : pool.pool().ledger().recentBlocks(50)) {
                if (b.status() == BlockStatus.MATURE) {
                    expected += b.rewardSats() - b.rewardSats() / 100;
                }
            }
            assertEquals(new Balance("alice", 0, expected, 0, 0, 0), payouts.balance("alice"));
        }
    }
}
