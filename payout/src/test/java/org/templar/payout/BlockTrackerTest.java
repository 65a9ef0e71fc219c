package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.payout.scheme.Credit;
import org.templar.payout.scheme.WindowShare;
import org.templar.payout.scheme.Tides;
import org.templar.payout.scheme.PoolFee;
import org.templar.payout.scheme.Pplns;
import org.templar.payout.scheme.Pps;
import org.templar.payout.scheme.Prop;

/**
 * The tracker against a scripted chain (what {@code getblockheader} would answer) and a real H2
 * ledger: credit on first confirmation, maturity at 100, orphaning only once the chain has moved
 * past, and nothing done twice.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BlockTrackerTest {
    /** A node's answers, set by each test step. */
    static final class ScriptedChain implements BlockTracker.ChainView {
        final Map<String, Header> headers = new HashMap<>();
        long tip;
        double difficulty = 1000;

        @Override
        public Optional<Header> header(String blockHash) {
            return Optional.ofNullable(headers.get(blockHash));
        }

        @Override
        public long tipHeight() {
            return tip;
        }

        @Override
        public double networkDifficulty() {
            return difficulty;
        }

        @Override
        public long subsidy(long height) {
            return 5_000_000_000L >> (height / 150); // regtest halves every 150 blocks
        }
    }

    private Ledger ledger;
    private PayoutLedger payouts;
    private final ScriptedChain chain = new ScriptedChain();

    @BeforeEach
    void open() throws Exception {
        ledger = Ledger.open(LedgerConfig.inMemory("tracker" + System.nanoTime()));
        payouts = new PayoutLedger(ledger);
        // alice 3 and bob 1 of difficulty 1, then a solo-mode share that no pool scheme counts.
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        String[] workers = {"alice.rig1", "bob.x", "alice.rig2", "alice.rig1"};
        for (int i = 0; i < workers.length; i++) {
            acks.add(ledger.recordShare(ShareRecord.of(workers[i], "j", "c", 1.0, 1.5, TestShares.hash("s", i), false,
                    ShareRecord.POOL, TestShares.T0.plusSeconds(i))));
        }
        acks.add(ledger.recordShare(ShareRecord.of("carol", "j", "c", 50.0, 60, TestShares.hash("s", 9), false,
                ShareRecord.SOLO, TestShares.T0.plusSeconds(5))));
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() {
        ledger.close();
    }

    private String block(int n, long height, Instant foundAt) {
        String hash = TestShares.hash("tracked", n);
        ledger.recordBlockCandidate(BlockRecord.candidate(height, hash, "alice.rig1", 5_000_000_000L, "pool", foundAt));
        ledger.updateBlockStatus(hash, BlockStatus.SUBMITTED, null);
        return hash;
    }

    @Test
    void pplnsBlockIsCreditedFromTheLedgersWindowAndMaturesAtOneHundred() {
        // Window 2 × difficulty 2 = the 4 pool shares: alice 3, bob 1 of 4,950,000,000 (1 % fee).
        BlockTracker tracker = new BlockTracker(payouts, chain, new Pplns(PoolFee.percent("1", "0"), 2), 6);
        String hash = block(1, 101, TestShares.T0.plusSeconds(10));
        chain.tip = 101;
        chain.headers.put(hash, new BlockTracker.ChainView.Header(1, 2.0));
        assertEquals(new BlockTracker.Report(1, 1, 0, 0), tracker.poll());
        assertEquals(List.of(new Credit("alice", 3_712_500_000L), new Credit("bob", 1_237_500_000L)),
                payouts.settlement(hash).orElseThrow().credits());
        assertEquals(new BlockTracker.Report(0, 1, 0, 0), tracker.poll(), "polling again credits nothing twice");
        assertEquals(3_712_500_000L, payouts.balance("alice").immatureSats());

        chain.tip = 200;
        chain.headers.put(hash, new BlockTracker.ChainView.Header(100, 2.0));
        tracker.poll();
        assertEquals(BlockStatus.MATURE, ledger.blockByHash(hash).orElseThrow().status());
        assertEquals(new Balance("alice", 0, 3_712_500_000L, 0, 0, 0), payouts.balance("alice"));
        assertEquals(new BlockTracker.Report(0, 0, 0, 0), tracker.poll(), "a mature block is no longer followed");
    }

    @Test
    void aBlockLeavingTheChainIsOrphanedOnlyOnceTheChainHasMovedOn() {
        BlockTracker tracker = new BlockTracker(payouts, chain, new Prop(PoolFee.NONE), 6);
        String hash = block(2, 101, TestShares.T0.plusSeconds(10));
        chain.tip = 101;
        chain.headers.put(hash, new BlockTracker.ChainView.Header(1, 2.0));
        tracker.poll();
        // PROP: the round is every pool share before the block: alice 3, bob 1 of 5,000,000,000.
        assertEquals(new Balance("bob", 1_250_000_000L, 0, 0, 0, 0), payouts.balance("bob"));

        chain.headers.put(hash, new BlockTracker.ChainView.Header(-1, 2.0)); // reorganised onto a side branch
        chain.tip = 102;
        assertEquals(new BlockTracker.Report(0, 0, 0, 0, 1), tracker.poll(), "off the best chain: its credits taken back");
        assertEquals(BlockStatus.STALE, ledger.blockByHash(hash).orElseThrow().status(), "its branch may still come back");
        assertEquals(Balance.empty("bob"), payouts.balance("bob"));
        assertEquals(new BlockTracker.Report(0, 0, 0, 0), tracker.poll(), "taken back once");

        chain.tip = 107;
        assertEquals(new BlockTracker.Report(0, 0, 1, 0), tracker.poll());
        assertEquals(BlockStatus.ORPHANED, ledger.blockByHash(hash).orElseThrow().status());
        assertEquals(Balance.empty("bob"), payouts.balance("bob"));
        assertEquals(BlockSettlement.State.REVERSED, payouts.settlement(hash).orElseThrow().state());
        assertEquals(new BlockTracker.Report(0, 0, 0, 0), tracker.poll());

        // a deeper reorganisation brings it back: ACCEPTED, the same credits applied again
        chain.tip = 108;
        chain.headers.put(hash, new BlockTracker.ChainView.Header(8, 2.0));
        assertEquals(new BlockTracker.Report(0, 1, 0, 0), tracker.poll());
        assertEquals(BlockStatus.ACCEPTED, ledger.blockByHash(hash).orElseThrow().status());
        assertEquals(new Balance("bob", 1_250_000_000L, 0, 0, 0, 0), payouts.balance("bob"));
        assertEquals(BlockSettlement.State.CREDITED, payouts.settlement(hash).orElseThrow().state());
    }

    /**
     * Two TIDES solves at one height: the one in the best chain is applied, the stale sibling held;
     * when the sibling's branch wins, the first is taken off before the sibling is put on, so the
     * CHECK on carried_sats never sees a carry consumed twice, and the carries are the sibling's.
     */
    @Test
    void twoTidesSolvesAtOneHeightAreSettledAsTheChainDecides() {
        Tides tides = new Tides(PoolFee.NONE, 1, 50, new byte[22], Optional.empty());
        BlockTracker tracker = new BlockTracker(payouts, chain, tides, 6);
        // 1000 sat: a 400, b 300, c 200, d 100; room for two outputs, so c and d are carried
        Tides.CoinbasePlan plan = tides.plan(1000, 10, "a", List.of(WindowShare.of("a", 4), WindowShare.of("b", 3),
                WindowShare.of("c", 2), WindowShare.of("d", 1)), List.of(), account -> Optional.of(new byte[22]), 93);
        String first = block(7, 101, TestShares.T0.plusSeconds(10));
        String sibling = block(8, 101, TestShares.T0.plusSeconds(11));
        payouts.creditCoinbase(first, new Tides.JobPayout(plan, 4, 10, List.of()));
        payouts.creditCoinbase(sibling, new Tides.JobPayout(plan, 4, 10, List.of()));
        chain.tip = 101;
        chain.headers.put(first, new BlockTracker.ChainView.Header(1, 10));
        chain.headers.put(sibling, new BlockTracker.ChainView.Header(-1, 10));
        assertEquals(new BlockTracker.Report(0, 1, 0, 0), tracker.poll());
        assertEquals(BlockSettlement.State.HELD, payouts.settlement(sibling).orElseThrow().state());
        assertEquals(List.of(new Credit("c", 200), new Credit("d", 100)), payouts.carried(), "counted once");

        chain.tip = 102;
        chain.headers.put(first, new BlockTracker.ChainView.Header(-1, 10));
        chain.headers.put(sibling, new BlockTracker.ChainView.Header(2, 10));
        assertEquals(new BlockTracker.Report(0, 1, 0, 0, 1), tracker.poll());
        assertEquals(BlockSettlement.State.REVERSED, payouts.settlement(first).orElseThrow().state());
        assertEquals(BlockSettlement.State.CREDITED, payouts.settlement(sibling).orElseThrow().state());
        assertEquals(BlockStatus.STALE, ledger.blockByHash(first).orElseThrow().status());
        assertEquals(List.of(new Credit("c", 200), new Credit("d", 100)), payouts.carried());
        assertEquals(new Balance("a", 400, 0, 0, 0, 0), payouts.balance("a"));

        chain.tip = 107;
        assertEquals(new BlockTracker.Report(0, 1, 1, 0), tracker.poll());
        assertEquals(BlockStatus.ORPHANED, ledger.blockByHash(first).orElseThrow().status());
        assertEquals(new Balance("b", 300, 0, 0, 0, 0), payouts.balance("b"), "one block's part, not two");
    }

    @Test
    void aRefusedTidesBlockGivesBackWhatItWasCreditedAtItsSolve() {
        Tides tides = new Tides(PoolFee.NONE, 1, 0, new byte[22], Optional.empty());
        BlockTracker tracker = new BlockTracker(payouts, chain, tides, 6);
        String hash = block(5, 101, TestShares.T0.plusSeconds(10));
        Tides.CoinbasePlan plan = tides.plan(1000, 10, "alice", List.of(WindowShare.of("alice.rig1", 3),
                WindowShare.of("bob.x", 1)), List.of(), account -> Optional.of(new byte[22]), 200);
        payouts.creditCoinbase(hash, new Tides.JobPayout(plan, 4, 10, List.of()));
        ledger.updateBlockStatus(hash, BlockStatus.REJECTED, "bad-cb-amount");
        assertEquals(BlockSettlement.State.HELD, payouts.settlement(hash).orElseThrow().state());
        assertEquals(Balance.empty("alice"), payouts.balance("alice"), "held: never in the best chain");
        chain.tip = 106;
        assertEquals(new BlockTracker.Report(0, 0, 0, 0), tracker.poll(), "another node may still take it");
        chain.tip = 107;
        assertEquals(new BlockTracker.Report(0, 0, 1, 0), tracker.poll());
        assertEquals(Balance.empty("alice"), payouts.balance("alice"));
        assertEquals(BlockSettlement.State.REVERSED, payouts.settlement(hash).orElseThrow().state(), "given up");
        assertEquals(BlockStatus.REJECTED, ledger.blockByHash(hash).orElseThrow().status());
        assertEquals(new BlockTracker.Report(0, 0, 0, 0), tracker.poll(), "given back once");
    }

    @Test
    void theVerifierRecomputesAPplnsBlockAndNamesATamperedCredit() throws Exception {
        Pplns pplns = new Pplns(PoolFee.percent("1", "0"), 2);
        BlockTracker tracker = new BlockTracker(payouts, chain, pplns, 6);
        String hash = block(6, 101, TestShares.T0.plusSeconds(10));
        chain.tip = 101;
        chain.headers.put(hash, new BlockTracker.ChainView.Header(1, 2.0));
        tracker.poll();
        PayoutVerifier verifier = new PayoutVerifier(payouts, pplns, null, account -> Optional.empty());
        BlockRecord block = ledger.blockByHash(hash).orElseThrow();
        PayoutVerifier.Result honest = verifier.verify(block, new PayoutVerifier.ChainFacts(2.0, Optional.empty()));
        assertEquals(List.of(), honest.problems());
        assertEquals(List.of(new PayoutVerifier.Line("alice", 3_712_500_000L, 3_712_500_000L, -1, -1),
                new PayoutVerifier.Line("bob", 1_237_500_000L, 1_237_500_000L, -1, -1)), honest.lines());
        try (java.sql.Connection c = ledger.dataSource().getConnection(); java.sql.Statement st = c.createStatement()) {
            assertEquals(1, st.executeUpdate("UPDATE block_credits SET sats = sats + 1 WHERE account = 'bob'"));
        }
        assertEquals(List.of("bob: credited 1237500001 sat, the shares give 1237500000 sat"),
                verifier.verify(block, new PayoutVerifier.ChainFacts(2.0, Optional.empty())).problems());
    }

    /** A block at height 101 that the tracker credits and matures in one poll at tip 200. */
    private String matured(BlockTracker tracker, int n) {
        String hash = block(n, 101, TestShares.T0.plusSeconds(10));
        chain.tip = 200;
        chain.headers.put(hash, new BlockTracker.ChainView.Header(100, 2.0));
        assertEquals(new BlockTracker.Report(1, 1, 0, 0), tracker.poll());
        assertEquals(BlockStatus.MATURE, ledger.blockByHash(hash).orElseThrow().status());
        return hash;
    }

    /** Polls until the tracker has asked about the mature blocks again (every DEEP_CHECK_POLLS polls), summing the reports. */
    private static BlockTracker.Report pollThroughADeepCheck(BlockTracker tracker) {
        int credited = 0;
        int confirmed = 0;
        int orphaned = 0;
        int reversed = 0;
        for (int i = 0; i < BlockTracker.DEEP_CHECK_POLLS; i++) {
            BlockTracker.Report r = tracker.poll();
            credited += r.credited();
            confirmed += r.confirmed();
            orphaned += r.orphaned();
            reversed += r.reversed();
        }
        return new BlockTracker.Report(credited, confirmed, orphaned, 0, reversed);
    }

    /**
     * A reorganisation 150 blocks deep takes a mature PPLNS block off the chain after alice was paid:
     * the tracker notices at its next check of the mature blocks, orphans it, takes its credits back
     * (alice's as a debt), tells the listener, and does nothing more on later polls or after a
     * restart; when the block comes back it is applied again, once.
     */
    @Test
    void aMatureBlockOrphanedByADeepReorganisationIsTakenBackOnce() {
        List<BlockRecord> told = new ArrayList<>();
        Pplns pplns = new Pplns(PoolFee.percent("1", "0"), 2);
        BlockTracker tracker = new BlockTracker(payouts, chain, pplns, 6, told::add);
        String hash = matured(tracker, 11);
        PayoutBatch batch = payouts.createBatch(2_000_000_000L, a -> Optional.of(PayoutLedgerContract.ALICE_ADDRESS)).orElseThrow();
        payouts.markSent(batch.id(), "ab".repeat(32));
        assertEquals(new Balance("alice", 0, 0, 0, 3_712_500_000L, 0), payouts.balance("alice"));

        chain.headers.put(hash, new BlockTracker.ChainView.Header(-1, 2.0));
        chain.tip = 260;
        assertEquals(new BlockTracker.Report(0, 0, 0, 0), tracker.poll(), "mature blocks are not asked about at every poll");
        assertEquals(new BlockTracker.Report(0, 0, 1, 0, 0), pollThroughADeepCheck(tracker));
        BlockRecord orphaned = ledger.blockByHash(hash).orElseThrow();
        assertEquals(BlockStatus.ORPHANED, orphaned.status());
        assertEquals("not in the best chain 159 blocks later, after it had matured", orphaned.reason());
        assertEquals(BlockSettlement.State.REVERSED, payouts.settlement(hash).orElseThrow().state());
        assertEquals(new Balance("alice", 0, -3_712_500_000L, 0, 3_712_500_000L, 0), payouts.balance("alice"), "a debt");
        assertEquals(Balance.empty("bob"), payouts.balance("bob"));
        assertEquals(List.of(BlockStatus.MATURE, BlockStatus.ORPHANED), told.stream().map(BlockRecord::status).toList());

        chain.tip = 261;
        assertEquals(new BlockTracker.Report(0, 0, 0, 0), pollThroughADeepCheck(tracker), "done once");
        BlockTracker restarted = new BlockTracker(payouts, chain, pplns, 6, told::add);
        assertEquals(new BlockTracker.Report(0, 0, 0, 0), restarted.poll(), "a restart asks, and finds nothing to do");
        assertEquals(new Balance("alice", 0, -3_712_500_000L, 0, 3_712_500_000L, 0), payouts.balance("alice"));
        assertEquals(2, told.size());

        // a later reorganisation brings it back: applied again, the debt paid by its own credits
        chain.tip = 262;
        chain.headers.put(hash, new BlockTracker.ChainView.Header(162, 2.0));
        assertEquals(new BlockTracker.Report(0, 1, 0, 0), pollThroughADeepCheck(restarted));
        assertEquals(BlockStatus.MATURE, ledger.blockByHash(hash).orElseThrow().status());
        assertEquals(new Balance("alice", 0, 0, 0, 3_712_500_000L, 0), payouts.balance("alice"));
        assertEquals(new Balance("bob", 0, 1_237_500_000L, 0, 0, 0), payouts.balance("bob"));
        assertEquals(BlockStatus.MATURE, told.get(2).status());
        chain.tip = 263;
        assertEquals(new BlockTracker.Report(0, 0, 0, 0), pollThroughADeepCheck(restarted), "applied once");
        assertEquals(new Balance("bob", 0, 1_237_500_000L, 0, 0, 0), payouts.balance("bob"));
    }

    /** Mature blocks deeper than DEEP_FOLLOW_DEPTH are history: not asked about any more. */
    @Test
    void matureBlocksBelowTheFollowedDepthAreNotAskedAbout() {
        String hash = matured(new BlockTracker(payouts, chain, new Prop(PoolFee.NONE), 6), 12);
        chain.headers.remove(hash);
        chain.tip = 101 + BlockTracker.DEEP_FOLLOW_DEPTH;
        assertEquals(new BlockTracker.Report(0, 0, 0, 0), new BlockTracker(payouts, chain, new Prop(PoolFee.NONE), 6).poll());
        assertEquals(BlockStatus.MATURE, ledger.blockByHash(hash).orElseThrow().status());
        chain.tip = 100 + BlockTracker.DEEP_FOLLOW_DEPTH;
        assertEquals(new BlockTracker.Report(0, 0, 1, 0), new BlockTracker(payouts, chain, new Prop(PoolFee.NONE), 6).poll());
    }

    /**
     * A mature TIDES block orphaned by a deep reorganisation: nothing can be taken back from a
     * coinbase, but the coinbase is gone, so what it paid from earlier carries is owed again.
     */
    @Test
    void aMatureTidesBlockOrphanedDeepRestoresTheCarriesItPaid() {
        Tides tides = new Tides(PoolFee.NONE, 1, 50, new byte[22], Optional.empty());
        BlockTracker tracker = new BlockTracker(payouts, chain, tides, 6);
        List<WindowShare> shares = List.of(WindowShare.of("a", 4), WindowShare.of("b", 3), WindowShare.of("c", 2),
                WindowShare.of("d", 1));
        Tides.OutputScripts scripts = account -> Optional.of(new byte[22]);
        String first = block(13, 101, TestShares.T0.plusSeconds(10));
        payouts.creditCoinbase(first, new Tides.JobPayout(tides.plan(1000, 10, "a", shares, List.of(), scripts, 93), 4, 10,
                List.of()));
        chain.tip = 101;
        chain.headers.put(first, new BlockTracker.ChainView.Header(1, 10));
        tracker.poll();
        List<Credit> carried = payouts.carried();
        assertEquals(List.of(new Credit("c", 200), new Credit("d", 100)), carried);
        String second = block(14, 102, TestShares.T0.plusSeconds(20));
        payouts.creditCoinbase(second, new Tides.JobPayout(tides.plan(1000, 10, "a", shares, carried, scripts, 93), 4, 10,
                carried));
        chain.tip = 201;
        chain.headers.put(first, new BlockTracker.ChainView.Header(101, 10));
        chain.headers.put(second, new BlockTracker.ChainView.Header(100, 10));
        tracker.poll();
        assertEquals(BlockStatus.MATURE, ledger.blockByHash(second).orElseThrow().status());
        assertEquals(new Balance("c", 0, 0, 0, 400, 0), payouts.balance("c"), "paid 200 earned + 200 carried");

        chain.tip = 320; // the second block is gone, the first stays
        chain.headers.put(first, new BlockTracker.ChainView.Header(220, 10));
        chain.headers.remove(second);
        assertEquals(new BlockTracker.Report(0, 0, 1, 0), new BlockTracker(payouts, chain, tides, 6).poll());
        assertEquals(carried, payouts.carried(), "owed again what the first block left owed");
        assertEquals(new Balance("c", 0, 0, 0, 0, 200), payouts.balance("c"));
        assertEquals(new BlockTracker.Report(0, 0, 0, 0), new BlockTracker(payouts, chain, tides, 6).poll());
        assertEquals(carried, payouts.carried());
    }

    @Test
    void aRejectedBlockTheNodeNeverSawIsLeftAlone() {
        BlockTracker tracker = new BlockTracker(payouts, chain, new Prop(PoolFee.NONE), 6);
        String hash = block(3, 101, TestShares.T0.plusSeconds(10));
        ledger.updateBlockStatus(hash, BlockStatus.REJECTED, "high-hash");
        chain.tip = 300;
        assertEquals(new BlockTracker.Report(0, 0, 0, 0), tracker.poll());
        assertEquals(BlockStatus.REJECTED, ledger.blockByHash(hash).orElseThrow().status());
    }

    @Test
    void fppsCreditsTheSharesAtSubsidyPlusTheMeanFeeAndTheBlockIsThePools() {
        BlockTracker tracker = new BlockTracker(payouts, chain, new Pps(PoolFee.NONE, true), 6);
        String hash = TestShares.hash("tracked", 4);
        ledger.recordBlockCandidate(BlockRecord.candidate(101, hash, "alice.rig1", 5_100_000_000L, "pool",
                TestShares.T0.plusSeconds(10)));
        ledger.updateBlockStatus(hash, BlockStatus.SUBMITTED, null);
        chain.tip = 101;
        chain.headers.put(hash, new BlockTracker.ChainView.Header(1, 1000));
        // The block pays 100,000,000 sat of fees. 4 difficulty of shares at difficulty 1000 are
        // worth (5,000,000,000 + 100,000,000) x 4 / 1000 = 20,400,000: alice 3/4, bob 1/4.
        assertEquals(new BlockTracker.Report(1, 1, 0, 4), tracker.poll());
        assertEquals(new Balance("alice", 0, 15_300_000L, 0, 0, 0), payouts.balance("alice"));
        assertEquals(new Balance("bob", 0, 5_100_000L, 0, 0, 0), payouts.balance("bob"));
        assertEquals(List.of(), payouts.settlement(hash).orElseThrow().credits(), "the block is the pool's");
        assertEquals(new BlockTracker.Report(0, 1, 0, 0), tracker.poll(), "no share is credited twice");
    }

    /**
     * Shares far above the network difficulty (regtest: every share is a block) can make one batch
     * worth more than all bitcoin. The tracker credits them in smaller batches instead of failing
     * every poll: at difficulty 2^-18 each of the four shares is worth 1.31072e15 sat, one at a time fits.
     */
    @Test
    void ppsBatchesWorthMoreThanAllBitcoinAreSplitUntilTheyFit() {
        chain.difficulty = Math.scalb(1.0, -18);
        BlockTracker tracker = new BlockTracker(payouts, chain, new Pps(PoolFee.NONE, false), 6);
        assertEquals(new BlockTracker.Report(0, 0, 0, 4), tracker.poll());
        assertEquals(new Balance("alice", 0, 3_932_160_000_000_000L, 0, 0, 0), payouts.balance("alice"));
        assertEquals(new Balance("bob", 0, 1_310_720_000_000_000L, 0, 0, 0), payouts.balance("bob"));
        assertEquals(new BlockTracker.Report(0, 0, 0, 0), tracker.poll(), "no share is credited twice");

        // one share alone worth more than all bitcoin: a wrong rate, refused for the operator
        chain.difficulty = 1e-6;
        ledger.recordShare(ShareRecord.of("carol.rig", "j", "c", 1.0, 1.5, TestShares.hash("s", 20), false,
                ShareRecord.POOL, TestShares.T0.plusSeconds(20))).join();
        assertThrows(Pps.BatchTooValuable.class, tracker::poll);
        assertEquals(Balance.empty("carol"), payouts.balance("carol"));
    }

    /**
     * A stale sibling ends nobody's PROP round: the next block of the chain counts from the pool's
     * latest block that is its ancestor, so the shares mined before the sibling's solve are not
     * lost; and {@code payouts verify} finds the same round from the block's ancestry, whatever the
     * sibling's status has become since.
     */
    @Test
    void aPropRoundStartsAtTheLatestBlockOfItsOwnChain() {
        // shares: alice T0, bob T0+1, alice T0+2, alice T0+3
        BlockTracker tracker = new BlockTracker(payouts, chain, new Prop(PoolFee.NONE), 6);
        String parent = block(10, 101, TestShares.T0.plusMillis(500));
        String sibling = block(11, 101, TestShares.T0.plusMillis(1500));
        ledger.updateBlockStatus(sibling, BlockStatus.STALE, "inconclusive");
        String child = block(12, 102, TestShares.T0.plusSeconds(10));
        chain.tip = 102;
        chain.headers.put(parent, new BlockTracker.ChainView.Header(2, 2.0));
        chain.headers.put(sibling, new BlockTracker.ChainView.Header(-1, 2.0));
        chain.headers.put(child, new BlockTracker.ChainView.Header(1, 2.0));
        tracker.poll();
        assertEquals(List.of(new Credit("alice", 5_000_000_000L)), payouts.settlement(parent).orElseThrow().credits());
        assertEquals(java.util.Optional.empty(), payouts.settlement(sibling), "a stale block is credited once the chain takes it");
        // the child's round is everything after the parent: bob 1 and alice 2 (not only what came after the sibling)
        assertEquals(List.of(new Credit("alice", 3_333_333_333L), new Credit("bob", 1_666_666_667L)),
                payouts.settlement(child).orElseThrow().credits());

        PayoutVerifier verifier = new PayoutVerifier(payouts, new Prop(PoolFee.NONE), null, account -> Optional.empty());
        PayoutVerifier.ChainFacts facts = new PayoutVerifier.ChainFacts(2.0, Optional.empty(),
                Optional.of(h -> h == 101 ? Optional.of(parent) : Optional.empty()));
        ledger.updateBlockStatus(sibling, BlockStatus.ORPHANED, "not in the best chain");
        assertEquals(List.of(), verifier.verify(ledger.blockByHash(child).orElseThrow(), facts).problems());
        assertEquals(List.of(), verifier.verify(ledger.blockByHash(parent).orElseThrow(), facts).problems());
    }
}
