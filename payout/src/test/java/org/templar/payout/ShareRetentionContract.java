package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.payout.scheme.Distribution;
import org.templar.payout.scheme.FoundBlock;
import org.templar.payout.scheme.PayoutScheme;
import org.templar.payout.scheme.PayoutScheme.SchemeKind;
import org.templar.payout.scheme.PoolFee;
import org.templar.payout.scheme.Pplns;
import org.templar.payout.scheme.Pps;
import org.templar.payout.scheme.Prop;
import org.templar.payout.scheme.Solo;
import org.templar.payout.scheme.Tides;
import org.templar.payout.scheme.WindowShare;

/**
 * Retention ({@link ShareRetention}): old shares folded into per-worker aggregates exactly once,
 * the shares any payout still reads kept. Run against H2 ({@link ShareRetentionH2Test}) and a real
 * PostgreSQL ({@link ShareRetentionPostgresTest}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class ShareRetentionContract {
    /** Network difficulty of the fake chain: with PPLNS factor 1 the window is the newest 100 difficulty. */
    static final double DIFFICULTY = 100;
    static final Duration KEEP = ShareRetention.DEFAULT_MINIMUM_AGE;
    static final String[] WORKERS = {"alice.rig1", "alice.rig2", "bob", "carol.x"};

    Ledger ledger;
    PayoutLedger payouts;
    private long sequence;

    abstract LedgerConfig config() throws Exception;

    @BeforeEach
    void open() throws Exception {
        // One writer: the expectations below take ids to follow the order shares are recorded in.
        ledger = Ledger.open(config().withWriters(1));
        payouts = new PayoutLedger(ledger);
    }

    @AfterEach
    void close() {
        ledger.close();
    }

    static final BlockTracker.ChainView CHAIN = BlockTracker.ChainView.withoutBlocks(DIFFICULTY, 5_000_000_000L);

    ShareRetention retention(PayoutScheme scheme) {
        return new ShareRetention(ledger, scheme, CHAIN, KEEP);
    }

    static Pplns pplns() {
        return new Pplns(PoolFee.percent("1", "0"), 1);
    }

    /**
     * Records {@code count} shares one second apart from {@code start}, workers in turn; difficulties
     * 0.5, 1, 1.5, 2 (exact binary fractions: their sums are exact in any order), every seventh on a
     * miner-declared job at weight 0.75. Ids follow this order (one writer).
     */
    void record(int count, Instant start) throws Exception {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long n = sequence++;
            ShareRecord s = ShareRecord.of(WORKERS[(int) (n % WORKERS.length)], "j", "c", 0.5 * (1 + n % 4), 3 + n % 5,
                    TestShares.hash("retain", n), n % 97 == 0, ShareRecord.POOL, start.plusSeconds(i));
            if (n % 7 == 0) {
                s = s.withTemplate(0.75, ShareRecord.SOURCE_JD_FULL);
            }
            acks.add(ledger.recordShare(s));
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
    }

    /** Per worker and source: shares, difficulty, weighted difficulty, candidates, from the shares and the aggregates together. */
    Map<String, List<Double>> totals() throws Exception {
        Map<String, List<Double>> out = new TreeMap<>();
        try (Connection c = ledger.dataSource().getConnection()) {
            try (PreparedStatement q = c.prepareStatement("SELECT worker, template_source, COUNT(*), SUM(share_difficulty), "
                    + "SUM(share_difficulty * revenue_weight), SUM(CASE WHEN block_candidate THEN 1 ELSE 0 END), "
                    + "MAX(achieved_difficulty) FROM shares GROUP BY worker, template_source");
                    ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    add(out, rs.getString(1) + "/" + rs.getString(2), rs.getLong(3), rs.getDouble(4), rs.getDouble(5),
                            rs.getLong(6), rs.getDouble(7));
                }
            }
            try (PreparedStatement q = c.prepareStatement("SELECT worker, template_source, SUM(shares), SUM(sum_difficulty), "
                    + "SUM(sum_weighted_difficulty), SUM(block_candidates), MAX(best_difficulty) FROM share_aggregates "
                    + "GROUP BY worker, template_source");
                    ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    add(out, rs.getString(1) + "/" + rs.getString(2), rs.getLong(3), rs.getDouble(4), rs.getDouble(5),
                            rs.getLong(6), rs.getDouble(7));
                }
            }
        }
        return out;
    }

    private static void add(Map<String, List<Double>> out, String key, long count, double sum, double weighted,
            long candidates, double best) {
        List<Double> t = out.computeIfAbsent(key, k -> new ArrayList<>(List.of(0.0, 0.0, 0.0, 0.0, 0.0)));
        t.set(0, t.get(0) + count);
        t.set(1, t.get(1) + sum);
        t.set(2, t.get(2) + weighted);
        t.set(3, t.get(3) + candidates);
        t.set(4, Math.max(t.get(4), best));
    }

    long aggregateRows() throws Exception {
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT COUNT(*) FROM share_aggregates");
                ResultSet rs = q.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    long newestShareId() {
        return payouts.lastPoolShareId();
    }

    /** A month before the minimum age, on an hour (so that each cycle below falls in an hour of its own). */
    static Instant old() {
        return Instant.now().minus(KEEP).minus(Duration.ofDays(30)).truncatedTo(java.time.temporal.ChronoUnit.HOURS);
    }

    @Test
    void oldSharesBeyondTheWindowAreAggregatedExactlyOnce() throws Exception {
        record(2_000, old());
        Map<String, List<Double>> before = totals();
        List<WorkerStats> statsBefore = ledger.workerStats();
        double sumBefore = ledger.sumDifficultySince(Instant.EPOCH);
        ShareRetention retention = retention(pplns());

        ShareRetention.Summary first = retention.compact(Duration.ofMinutes(1));
        assertTrue(first.done());
        // The window is the newest 100 difficulty: at most ~80 shares of mean 1.25 (and one across its edge).
        assertTrue(first.sharesLeft() <= 81 && first.sharesLeft() >= 80, "left " + first.sharesLeft());
        assertEquals(2_000, first.sharesCompacted() + first.sharesLeft());
        assertEquals(first.sharesCompacted(), ledger.retentionHorizon().compactedShares());
        assertEquals(before, totals(), "every share counted once: in shares or in an aggregate");
        assertEquals(statsBefore, ledger.workerStats(), "lifetime per-worker totals are their own table");
        assertEquals(sumBefore, ledger.sumDifficultySince(Instant.EPOCH));

        ShareRetention.Summary again = retention.compact(Duration.ofMinutes(1));
        assertEquals(0, again.sharesCompacted(), "nothing twice");
        assertEquals(before, totals());
        assertEquals(first.sharesCompacted(), ledger.retentionHorizon().compactedShares());
    }

    @Test
    void nothingYoungerThanTheMinimumAgeGoes() throws Exception {
        record(500, old());
        record(500, Instant.now().minus(KEEP).plus(Duration.ofHours(1)));
        ShareRetention.Summary s = retention(new Solo(PoolFee.NONE)).compact(Duration.ofMinutes(1));
        assertEquals(500, s.sharesCompacted());
        assertEquals(500, ledger.shareCount());
        assertTrue(s.cut().before().isBefore(Instant.now().minus(KEEP).plusSeconds(60)));
    }

    @Test
    void aPplnsDistributionIsTheSameAfterCompaction() throws Exception {
        record(3_000, old());
        Pplns pplns = pplns();
        FoundBlock next = new FoundBlock(5_000_000_000L, DIFFICULTY, "alice");
        Distribution before = pplns.distribute(next, payouts.windowEndingAt(Instant.now(), pplns.windowLength(DIFFICULTY)));
        retention(pplns).compact(Duration.ofMinutes(1));
        assertTrue(ledger.shareCount() < 100);
        Distribution after = pplns.distribute(next, payouts.windowEndingAt(Instant.now(), pplns.windowLength(DIFFICULTY)));
        assertEquals(before, after);
    }

    private String block(int n, Instant foundAt) {
        String hash = TestShares.hash("retained-block", n);
        assertTrue(ledger.recordBlockCandidate(BlockRecord.candidate(100 + n, hash, "alice.rig1", 5_000_000_000L, "pool", foundAt)));
        ledger.updateBlockStatus(hash, BlockStatus.SUBMITTED, null);
        return hash;
    }

    @Test
    void anImmatureBlockKeepsItsWindowUntilItMaturesAndVerifySaysWhenTheDetailIsGone() throws Exception {
        Instant start = old();
        record(1_000, start);
        // found with the 500th share; credited (PPLNS, at its first confirmation) from the shares up to then
        Instant foundAt = start.plusSeconds(499);
        String hash = block(1, foundAt);
        Pplns pplns = pplns();
        Distribution credit = pplns.distribute(new FoundBlock(5_000_000_000L, DIFFICULTY, "alice"),
                payouts.windowEndingAt(foundAt, pplns.windowLength(DIFFICULTY)));
        payouts.credit(hash, SchemeKind.PPLNS, credit);
        payouts.confirm(hash, 1);

        ShareRetention retention = retention(pplns);
        ShareRetention.Summary s = retention.compact(Duration.ofMinutes(1));
        assertEquals(1, s.cut().unsettledBlocks());
        assertTrue(s.cut().blocksFromId() < s.cut().windowFromId());
        assertTrue(s.sharesCompacted() > 300 && s.sharesCompacted() < 500, "only below the block's window: " + s.sharesCompacted());
        assertEquals(credit, pplns.distribute(new FoundBlock(5_000_000_000L, DIFFICULTY, "alice"),
                payouts.windowEndingAt(foundAt, pplns.windowLength(DIFFICULTY))), "the block's window is whole");
        PayoutVerifier verifier = new PayoutVerifier(payouts, pplns, null, a -> Optional.empty());
        PayoutVerifier.Result whole = verifier.verify(ledger.blockByHash(hash).orElseThrow(),
                new PayoutVerifier.ChainFacts(DIFFICULTY, Optional.empty()));
        assertTrue(whole.ok(), whole.problems().toString());
        assertTrue(whole.sharesCompacted().isEmpty());

        payouts.confirm(hash, 100); // mature: nobody divides it again
        ShareRetention.Summary later = retention.compact(Duration.ofMinutes(1));
        assertEquals(0, later.cut().unsettledBlocks());
        assertTrue(ledger.shareCount() <= 81, "down to the current window: " + ledger.shareCount());
        assertEquals(1_000, ledger.retentionHorizon().compactedShares() + ledger.shareCount());

        PayoutVerifier.Result gone = verifier.verify(ledger.blockByHash(hash).orElseThrow(),
                new PayoutVerifier.ChainFacts(DIFFICULTY, Optional.empty()));
        assertTrue(gone.ok(), "a compacted window is not a mismatch: " + gone.problems());
        assertTrue(gone.sharesCompacted().orElseThrow().contains("compacted"), gone.sharesCompacted().toString());
        assertEquals(credit.credits().size(), gone.lines().size(), "its credits are still shown");
        assertTrue(gone.lines().stream().allMatch(l -> l.expectedSats() == -1));
    }

    @Test
    void aTidesBlockKeepsTheWindowItsPlanRecorded() throws Exception {
        Instant start = old();
        record(1_000, start);
        long lastOfWindow = newestShareId() - 500; // the plan was made when the 500th share was the newest
        Tides tides = new Tides(PoolFee.NONE, 1, 50, new byte[22], Optional.empty());
        Tides.OutputScripts scripts = account -> Optional.of(new byte[22]);
        String hash = block(2, start.plusSeconds(500));
        payouts.creditCoinbase(hash, new Tides.JobPayout(tides.plan(1000, DIFFICULTY, "alice",
                List.of(WindowShare.of("alice.rig1", 1)), List.of(), scripts, 93), lastOfWindow, DIFFICULTY, List.of()));
        List<PayoutLedger.LedgerShare> window = payouts.windowUpToShare(lastOfWindow, tides.windowLength(DIFFICULTY));

        ShareRetention.Summary s = retention(tides).compact(Duration.ofMinutes(1));
        assertEquals(1, s.cut().unsettledBlocks());
        assertTrue(s.cut().blocksFromId() <= window.get(0).id(), s.cut().toString());
        assertEquals(window, payouts.windowUpToShare(lastOfWindow, tides.windowLength(DIFFICULTY)), "the plan's window is whole");
        assertTrue(s.sharesCompacted() > 300, "the shares before it went: " + s.sharesCompacted());

        payouts.confirm(hash, 100);
        retention(tides).compact(Duration.ofMinutes(1));
        assertTrue(ledger.shareCount() <= 81, "down to the current window: " + ledger.shareCount());
    }

    @Test
    void ppsKeepsSharesNotYetCredited() throws Exception {
        record(400, old());
        Pps pps = new Pps(PoolFee.NONE, false);
        payouts.creditShares(pps, new Pps.Rate(5_000_000_000L, DIFFICULTY, List.of()), 250, Instant.now()).orElseThrow();
        ShareRetention.Summary s = retention(pps).compact(Duration.ofMinutes(1));
        assertEquals(250, s.sharesCompacted(), "exactly the credited ones");
        assertEquals(250, s.cut().creditedThroughId() - (newestShareId() - 400));
        payouts.creditShares(pps, new Pps.Rate(5_000_000_000L, DIFFICULTY, List.of()), 1000, Instant.now()).orElseThrow();
        assertEquals(150, retention(pps).compact(Duration.ofMinutes(1)).sharesCompacted());
        assertEquals(0, ledger.shareCount());
    }

    @Test
    void propKeepsTheRoundsThatMayStillBeNeeded() throws Exception {
        Instant start = old();
        record(300, start);
        Prop prop = new Prop(PoolFee.NONE);
        assertEquals(0, retention(prop).compact(Duration.ofMinutes(1)).sharesCompacted(),
                "no block yet: the current round is every share");
        String first = block(1, start.plusSeconds(99).plusMillis(500));
        payouts.confirm(first, 100);
        String second = block(2, start.plusSeconds(199).plusMillis(500));
        payouts.confirm(second, 3); // may still be orphaned: the next round could start at the first again
        ShareRetention.Summary s = retention(prop).compact(Duration.ofMinutes(1));
        assertEquals(100, s.sharesCompacted(), "only the first block's round");
        assertEquals(start.plusSeconds(99).plusMillis(500), s.cut().roundFrom().orElseThrow());
        payouts.confirm(second, 100);
        assertEquals(100, retention(prop).compact(Duration.ofMinutes(1)).sharesCompacted());
        assertEquals(100, ledger.shareCount(), "the current round stays");
    }

    @Test
    void aFailedBatchChangesNothingAndTheNextRunDoesItAll() throws Exception {
        record(1_000, old());
        Map<String, List<Double>> before = totals();
        ShareRetention failing = retention(pplns());
        failing.hook((from, to) -> {
            throw new IllegalStateException("killed between the aggregates and the delete");
        });
        assertThrows(IllegalStateException.class, () -> failing.compact(Duration.ofMinutes(1)));
        assertEquals(1_000, ledger.shareCount());
        assertEquals(0, aggregateRows());
        assertEquals(0, ledger.retentionHorizon().compactedShares());
        assertEquals(before, totals());

        ShareRetention.Summary s = retention(pplns()).compact(Duration.ofMinutes(1));
        assertTrue(s.sharesCompacted() > 900);
        assertEquals(before, totals());
    }

    @Test
    void twoInstancesCompactingAtOnceFoldEachShareOnce() throws Exception {
        record(6_000, old());
        Map<String, List<Double>> before = totals();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<ShareRetention.Summary>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ShareRetention r = retention(pplns());
                runs.add(pool.submit(() -> r.compact(Duration.ofMinutes(1))));
            }
            long compacted = 0;
            for (Future<ShareRetention.Summary> f : runs) {
                compacted += f.get(100, TimeUnit.SECONDS).sharesCompacted();
            }
            assertEquals(6_000, compacted + ledger.shareCount());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(before, totals());
    }

    @Test
    void theSharesTableStaysBoundedOverRepeatedCycles() throws Exception {
        Instant start = old();
        ShareRetention retention = retention(pplns());
        long recorded = 0;
        for (int cycle = 0; cycle < 8; cycle++) {
            record(1_500, start.plus(Duration.ofHours(cycle)));
            recorded += 1_500;
            ShareRetention.Summary s = retention.compact(Duration.ofMinutes(1));
            assertTrue(s.done());
            assertTrue(ledger.shareCount() <= 81, "cycle " + cycle + ": " + ledger.shareCount() + " shares left");
            assertEquals(recorded, ledger.retentionHorizon().compactedShares() + ledger.shareCount());
        }
        // one row per worker, source and hour: 4 workers x 2 sources x (8 cycles of 25 minutes, each in its own hour)
        assertTrue(aggregateRows() <= 4 * 2 * 8, "aggregate rows " + aggregateRows());
        assertFalse(aggregateRows() == 0);
    }
}
