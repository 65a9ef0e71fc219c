package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.payout.BlockLedger;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockStatus;
import org.templar.payout.scheme.Tides;
import org.templar.pool.core.TestShares.Found;
import org.templar.pool.job.Job;
import org.templar.pool.job.TestTemplates;
import org.templar.share.Difficulty;
import org.templar.share.ExtranoncePrefix;
import org.templar.share.Hex;
import org.templar.share.Target;

/**
 * A burst of block solutions on one previous block (regtest: about every second hash solves one)
 * while the ledger is slow: one is written at a time, a few siblings wait, the rest are dropped and
 * counted, and the ledger is never written by two threads at once.
 */
@Timeout(30)
class BlockSubmitterBoundsTest {
    private static final byte[] EN1 = Hex.decode("0a0b0c0d");
    private static final int BURST = 12;

    private final InMemoryLedger ledger = new InMemoryLedger();
    private final CountDownLatch gate = new CountDownLatch(1);
    private final AtomicInteger writing = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();
    private final CountingMetrics metrics = new CountingMetrics();
    private final BlockSubmitter blocks = new BlockSubmitter(null, new SlowLedger(), metrics, () -> {});
    private final ShareProcessor processor = new ShareProcessor(ledger, blocks, metrics, null, () -> {});

    /** A block ledger whose candidate writes wait for the test's gate and count their overlap. */
    private final class SlowLedger implements BlockLedger {
        @Override
        public boolean recordBlockCandidate(BlockRecord block) {
            return recordBlockCandidate(block, null);
        }

        @Override
        public boolean recordBlockCandidate(BlockRecord block, String blockHex) {
            mostAtOnce.accumulateAndGet(writing.incrementAndGet(), Math::max);
            try {
                gate.await(20, TimeUnit.SECONDS);
                return ledger.recordBlockCandidate(block, blockHex);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                writing.decrementAndGet();
            }
        }

        @Override
        public List<UnsettledSolution> unsettledSolutions() {
            return ledger.unsettledSolutions();
        }

        @Override
        public boolean creditCoinbase(String blockHash, Tides.JobPayout plan) {
            return ledger.creditCoinbase(blockHash, plan);
        }

        @Override
        public BlockRecord updateBlockStatus(String blockHash, BlockStatus status, String reason) {
            return ledger.updateBlockStatus(blockHash, status, reason);
        }
    }

    @AfterEach
    void stop() {
        gate.countDown();
        blocks.close();
    }

    @Test
    void siblingsOfASolutionInFlightWaitUpToABoundAndTheRestAreCountedAsDropped() throws Exception {
        Job job = TestTemplates.newTip(108).jobFor(TestShares.worker(TestShares.ADDRESS).payout(), 8);
        Target network = job.work().networkTarget();
        Target shareTarget = Difficulty.of(1e-7).toTarget();
        Worker worker = TestShares.worker(TestShares.ADDRESS + ".rig1");
        for (int i = 0; i < BURST; i++) {
            Found solve = TestShares.find(job, EN1, Hex.decode(String.format("%08x", i)), job.version(), network, true);
            ShareOutcome outcome = processor.process(new ShareProcessor.Submission(worker, ChannelId.connection("conn-1"), job, false,
                    shareTarget, Difficulty.of(1e-7), ExtranoncePrefix.of(EN1), solve.en2(), solve.ntime(), solve.nonce(), solve.version()),
                    "sv1");
            assertTrue(outcome.blockCandidate());
        }
        int kept = 1 + BlockSubmitter.MAX_WAITING;
        assertEquals(Map.of("sibling_backlog", BURST - kept), metrics.solutionsDropped,
                "one in flight, its waiting siblings, the rest dropped and counted");

        gate.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ledger.blocks().size() < kept && System.nanoTime() < deadline) {
            Thread.sleep(10); // the submitter writes on its own thread
        }
        // no node here: none is ACCEPTED, so each waiting sibling is written in its turn
        assertEquals(kept, ledger.blocks().size(), "the one in flight and every waiting sibling written");
        assertEquals(1, mostAtOnce.get(), "block solutions never write to the ledger two at a time");
    }
}
