package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.payout.BlockRecord;
import org.templar.payout.LedgerException;
import org.templar.payout.ShareRecord;
import org.templar.pool.core.TestShares.Found;
import org.templar.pool.job.Job;
import org.templar.pool.job.Template;
import org.templar.pool.job.TestTemplates;
import org.templar.share.Difficulty;
import org.templar.share.ExtranoncePrefix;
import org.templar.share.Hex;
import org.templar.share.Target;

/**
 * The share path on its own: real jobs and real hashing, an in-memory ledger, no socket, no database,
 * no node. Each share is found here by hashing as a miner would, then judged by the processor.
 */
@Timeout(30)
class ShareProcessorTest {
    static final String ADDRESS = TestShares.ADDRESS;
    static final int HARD_NBITS = TestShares.HARD_NBITS;
    /** About one hash in 400 meets it. */
    static final double DIFFICULTY = 1e-7;
    static final Target TARGET = Difficulty.of(DIFFICULTY).toTarget();
    static final byte[] EN1 = Hex.decode("0a0b0c0d");
    static final ChannelId CONNECTION = ChannelId.connection("conn-1");

    private final InMemoryLedger ledger = new InMemoryLedger();
    private final CountingMetrics metrics = new CountingMetrics();
    private final BlockSubmitter blocks = new BlockSubmitter(null, ledger, metrics, () -> {});
    private final List<String> observed = new ArrayList<>();
    private final ShareProcessor processor = new ShareProcessor(ledger, blocks, metrics, null, () -> {},
            new ShareProcessor.ShareObserver() {
                @Override
                public void accepted(Job job, ExtranoncePrefix en1, byte[] en2, int ntime, int nonce, int version, byte[] hash) {
                    observed.add("accepted " + job.id() + " " + Hex.encode(en2) + " " + nonce);
                }

                @Override
                public void solved(Job job, byte[] extranonce, byte[] header80) {
                    observed.add("solved " + job.id());
                }
            });
    private final Worker worker = TestShares.worker(ADDRESS + ".rig1");

    @AfterEach
    void stop() {
        blocks.close();
    }

    private ShareOutcome submit(Job job, boolean stale, Found f) {
        return processor.process(new ShareProcessor.Submission(worker, CONNECTION, job, stale, TARGET,
                Difficulty.of(DIFFICULTY), ExtranoncePrefix.of(EN1),
                f.en2(), f.ntime(), f.nonce(), f.version()), "sv1");
    }

    private static Job job(Template t) {
        return t.jobFor(ShareProcessorTest.workerPlan(), 8);
    }

    private static org.templar.payout.coinbase.PayoutPlan workerPlan() {
        return TestShares.worker(ADDRESS).payout();
    }

    @Test
    void anAcceptedShareIsAnsweredOnlyOnceDurableAndRecordedAsFound() {
        ledger.mode(InMemoryLedger.Mode.QUEUED);
        Job job = job(TestTemplates.newTip(101, HARD_NBITS));
        Found f = TestShares.find(job, EN1, Hex.decode("00000001"), job.version(), TARGET, true);

        ShareOutcome outcome = submit(job, false, f);

        assertEquals(ShareVerdict.ACCEPTED, outcome.verdict());
        assertFalse(outcome.blockCandidate());
        assertFalse(outcome.durable().isDone(), "not durable before the ledger wrote it");
        assertEquals(List.of(), ledger.shares());
        ledger.commitQueued();
        assertTrue(outcome.durable().isDone() && !outcome.durable().isCompletedExceptionally());
        ShareRecord r = ledger.shares().get(0);
        assertEquals(ADDRESS + ".rig1", r.worker());
        assertEquals(ADDRESS, r.user());
        assertEquals("rig1", r.workerName());
        assertEquals(job.id().toString(), r.jobId());
        assertEquals("conn-1", r.channelId());
        assertEquals(DIFFICULTY, r.shareDifficulty());
        assertEquals(f.displayHash(), r.shareHash(), "the header hash the miner's share gives");
        assertEquals(Difficulty.achievedBy(f.hashLe()), r.achievedDifficulty(), 1e-9 * r.achievedDifficulty());
        assertFalse(r.blockCandidate());
        assertEquals(ShareRecord.SOURCE_POOL, r.templateSource());
        assertEquals(List.of(DIFFICULTY), metrics.accepted);
        assertEquals(List.of(ShareVerdict.ACCEPTED), metrics.judged);
        assertEquals(List.of("accepted " + job.id() + " 00000001 " + f.nonce()), observed);
    }

    @Test
    void theSameShareUnderAnotherJobIdOfTheSameWorkIsCreditedOnce() {
        Template first = TestTemplates.newTip(102, HARD_NBITS);
        Template again = TestTemplates.sameWorkAgain(first);
        Job a = job(first);
        Job b = job(again);
        assertNotEquals(a.id(), b.id(), "two names for the same work");
        assertEquals(a.coinb1Hex() + a.coinb2Hex(), b.coinb1Hex() + b.coinb2Hex());
        Found f = TestShares.find(a, EN1, Hex.decode("00000002"), a.version(), TARGET, true);

        assertEquals(ShareVerdict.ACCEPTED, submit(a, false, f).verdict());
        assertEquals(ShareVerdict.DUPLICATE, submit(b, false, f).verdict(), "same header under the other id");
        assertEquals(ShareVerdict.DUPLICATE, submit(a, false, f).verdict(), "same header under the same id");

        assertEquals(1, ledger.shares().size());
        assertEquals(a.id().toString(), ledger.shares().get(0).jobId());
        assertEquals(List.of("duplicate", "duplicate"), metrics.rejected);
        // Another share on the renamed job still counts.
        Found g = TestShares.find(b, EN1, Hex.decode("00000003"), b.version(), TARGET, true);
        assertEquals(ShareVerdict.ACCEPTED, submit(b, false, g).verdict());
        assertEquals(2, ledger.shares().size());
    }

    @Test
    void aStaleShareIsRefusedAndNotRemembered() {
        Job job = job(TestTemplates.newTip(103, HARD_NBITS));
        Found f = TestShares.find(job, EN1, Hex.decode("00000004"), job.version(), TARGET, true);

        ShareOutcome stale = submit(job, true, f);

        assertEquals(ShareVerdict.STALE, stale.verdict());
        assertTrue(stale.durable().isDone());
        assertEquals(List.of(), ledger.shares());
        assertEquals(List.of("stale"), metrics.rejected);
        assertEquals(List.of(), metrics.accepted);
        // A stale share takes no room in the duplicate filter: the same header on live work counts.
        assertEquals(ShareVerdict.ACCEPTED, submit(job, false, f).verdict());
    }

    @Test
    void aShareAboveItsTargetIsLowDifficultyAndNotRemembered() {
        Job job = job(TestTemplates.newTip(104, HARD_NBITS));
        Found weak = TestShares.find(job, EN1, Hex.decode("00000005"), job.version(), TARGET, false);

        ShareOutcome outcome = submit(job, false, weak);

        assertEquals(ShareVerdict.LOW_DIFFICULTY, outcome.verdict());
        assertTrue(outcome.achievedDifficulty() < DIFFICULTY, "achieved " + outcome.achievedDifficulty());
        assertEquals(List.of(), ledger.shares());
        assertEquals(List.of("low_difficulty"), metrics.rejected);
        // Judged at a target it does meet, the same header is new: the refusal recorded nothing.
        ShareOutcome easier = processor.process(new ShareProcessor.Submission(worker, CONNECTION, job, false,
                Target.easier(TARGET, Difficulty.of(outcome.achievedDifficulty() / 2).toTarget()),
                Difficulty.of(outcome.achievedDifficulty() / 2), ExtranoncePrefix.of(EN1), weak.en2(), weak.ntime(), weak.nonce(), weak.version()), "sv1");
        assertEquals(ShareVerdict.ACCEPTED, easier.verdict());
    }

    @Test
    void ntimeOutsideTheTemplatesRangeIsRefusedBeforeHashing() {
        Job job = job(TestTemplates.newTip(105, HARD_NBITS));
        Found f = TestShares.find(job, EN1, Hex.decode("00000006"), job.version(), TARGET, true);
        Found early = new Found(f.en2(), (int) job.minTime() - 1, f.nonce(), f.version(), f.hashLe());
        Found future = new Found(f.en2(), (int) (System.currentTimeMillis() / 1000 + 3 * 3600), f.nonce(), f.version(),
                f.hashLe());

        assertEquals(ShareVerdict.BAD_NTIME, submit(job, false, early).verdict());
        assertEquals(ShareVerdict.BAD_NTIME, submit(job, false, future).verdict());
        assertEquals(List.of(), ledger.shares());
        assertEquals(ShareVerdict.ACCEPTED, submit(job, false, f).verdict());
    }

    @Test
    void aBusyLedgerIsAnsweredNotRecordedAndTheResentShareIsCreditedOnce() {
        ledger.mode(InMemoryLedger.Mode.BUSY);
        Job job = job(TestTemplates.newTip(106, HARD_NBITS));
        Found f = TestShares.find(job, EN1, Hex.decode("00000007"), job.version(), TARGET, true);

        ShareOutcome busy = submit(job, false, f);

        assertEquals(ShareVerdict.NOT_RECORDED, busy.verdict());
        assertEquals(1, ledger.refusedCount());
        assertEquals(List.of(), metrics.accepted, "not counted as accepted");
        assertEquals(List.of("not_recorded"), metrics.rejected);
        assertEquals(List.of(ShareVerdict.NOT_RECORDED), metrics.judged, "no hashrate for it");
        assertEquals(List.of(), observed, "not forwarded as accepted");

        ledger.mode(InMemoryLedger.Mode.DURABLE);
        assertEquals(ShareVerdict.ACCEPTED, submit(job, false, f).verdict(), "resent as asked, it counts");
        assertEquals(1, ledger.shares().size());
        assertEquals(f.displayHash(), ledger.shares().get(0).shareHash());
        assertEquals(ShareVerdict.DUPLICATE, submit(job, false, f).verdict(), "once credited, again is a duplicate");
        assertEquals(1, ledger.shares().size());
    }

    @Test
    void aBatchTheLedgerLosesFailsTheAnswerAndTheShareIsNotCreditedTwice() {
        ledger.mode(InMemoryLedger.Mode.QUEUED);
        Job job = job(TestTemplates.newTip(107, HARD_NBITS));
        Found f = TestShares.find(job, EN1, Hex.decode("00000009"), job.version(), TARGET, true);

        ShareOutcome outcome = submit(job, false, f);
        assertEquals(ShareVerdict.ACCEPTED, outcome.verdict());
        ledger.failQueued();

        CompletionException failed = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                () -> outcome.durable().join());
        assertTrue(failed.getCause() instanceof LedgerException);
        assertEquals(List.of(), ledger.shares());
        ledger.mode(InMemoryLedger.Mode.DURABLE);
        assertEquals(ShareVerdict.DUPLICATE, submit(job, false, f).verdict());
        assertEquals(List.of(), ledger.shares());
        assertEquals(List.of(DIFFICULTY), metrics.accepted, "counted once, when it was judged");
    }

    @Test
    void aBlockIsSubmittedEvenWhenTheShareIsStaleAndOnlyOnce() throws Exception {
        Template easy = TestTemplates.newTip(108); // regtest nbits: about every other hash is a block
        Job job = job(easy);
        Target network = Target.fromCompact(easy.blockTemplate().bits());
        Found solve = TestShares.find(job, EN1, Hex.decode("0000000a"), job.version(), network, true);

        ShareOutcome outcome = submit(job, true, solve);
        assertEquals(ShareVerdict.STALE, outcome.verdict());
        assertTrue(outcome.blockCandidate());
        assertEquals(ShareVerdict.STALE, submit(job, true, solve).verdict());
        assertEquals(List.of("solved " + job.id()), observed, "one solve, though sent twice");

        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ledger.blocks().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10); // polled with a deadline: the submitter records the block on its own thread
        }
        List<BlockRecord> found = ledger.blocks();
        assertEquals(1, found.size());
        assertEquals(solve.displayHash(), found.get(0).hash());
        assertEquals(108, found.get(0).height());
        assertEquals(ADDRESS + ".rig1", found.get(0).worker());
        assertEquals(List.of(), ledger.shares(), "a stale share earns no credit, even a block");
    }
}
