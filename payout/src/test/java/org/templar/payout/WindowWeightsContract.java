package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.payout.scheme.Credit;
import org.templar.payout.scheme.ExactWeight;
import org.templar.payout.scheme.FoundBlock;
import org.templar.payout.scheme.PoolFee;
import org.templar.payout.scheme.Pplns;
import org.templar.payout.scheme.Prop;
import org.templar.payout.scheme.Tides;
import org.templar.payout.scheme.WindowShare;
import org.templar.payout.scheme.WindowWeights;

/**
 * The windows the block tracker and the TIDES planner divide, summed per account in the database
 * ({@link PayoutLedger#windowWeightsEndingAt}, {@link PayoutLedger#windowWeightsUpToShare},
 * {@link PayoutLedger#roundWeights}), against the same windows read share by share (what {@code
 * templar payouts verify} recomputes): equal weights, so equal satoshis. Random share sets with
 * difficulties and revenue weights that are not binary fractions, solo shares among them, times out
 * of id order; window edges inside a share, exactly on one, and past the oldest. The ledger's
 * {@link RollingShareWindow} must answer the same windows from memory, equal to the database path:
 * also for ids committed out of order, after compaction, and by leaving to the database a window
 * longer than it holds. Run against H2
 * ({@link WindowWeightsH2Test}) and a real PostgreSQL ({@link WindowWeightsPostgresTest}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class WindowWeightsContract {
    static final double[] REVENUE_WEIGHTS = {1, 1, 1, 0.75, 0.3, 1e-3};

    /** Longer than every share set here: the window holds every share. */
    static final ExactWeight EVERYTHING = ExactWeight.of(1e12);

    Ledger ledger;
    PayoutLedger payouts;
    /** The database path alone, what the rolling window must equal. */
    PayoutLedger database;

    abstract LedgerConfig config() throws Exception;

    @BeforeEach
    void open() throws Exception {
        ledger = Ledger.open(config());
        payouts = new PayoutLedger(ledger);
        database = PayoutLedger.readingTheDatabase(ledger);
    }

    @AfterEach
    void close() {
        ledger.close();
    }

    /** {@code count} random shares accepted from {@code start} on, a few seconds apart but not in id order. */
    List<ShareRecord> record(Random random, int count, Instant start) throws Exception {
        List<ShareRecord> shares = new ArrayList<>();
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            String worker = "acct" + random.nextInt(25) + (random.nextBoolean() ? ".rig" + random.nextInt(3) : "");
            double difficulty = switch (random.nextInt(3)) {
                case 0 -> 1024 * (1 + random.nextInt(13)) + random.nextInt(5) * 0.375; // vardiff-like, many repeats
                case 1 -> 0.1 * (1 + random.nextInt(50)); // not binary fractions: the exact path matters
                default -> random.nextDouble() * 3000 + 1e-3;
            };
            ShareRecord s = ShareRecord.of(worker, "j" + n % 5, "c", difficulty, difficulty * 2,
                    TestShares.hash("weights", n), false, random.nextInt(10) == 0 ? ShareRecord.SOLO : ShareRecord.POOL,
                    start.plusSeconds(n * 3L + random.nextInt(10)));
            double weight = REVENUE_WEIGHTS[random.nextInt(REVENUE_WEIGHTS.length)];
            if (weight != 1) {
                s = s.withTemplate(weight, ShareRecord.SOURCE_JD_FULL);
            }
            shares.add(s);
            acks.add(ledger.recordShare(s));
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        return shares;
    }

    /** Window lengths that end inside a share, exactly on one (the sum of the newest k), and past everything. */
    static List<ExactWeight> lengths(Random random, List<WindowShare> newestWindow) {
        List<ExactWeight> lengths = new ArrayList<>(List.of(ExactWeight.ZERO, ExactWeight.of(0.001), ExactWeight.of(1e12)));
        ExactWeight sum = ExactWeight.ZERO;
        int stop = newestWindow.isEmpty() ? 0 : 1 + random.nextInt(newestWindow.size());
        for (int i = newestWindow.size() - 1, k = 0; i >= 0 && k < stop; i--, k++) {
            sum = sum.plus(ExactWeight.of(newestWindow.get(i).difficulty()));
        }
        lengths.add(sum);
        lengths.add(ExactWeight.of(sum.doubleValue() * (0.2 + random.nextDouble())));
        lengths.add(ExactWeight.of(random.nextDouble() * 50_000));
        lengths.add(ExactWeight.of(1_000_000.0 / 3).times(ExactWeight.of(0.7)));
        return lengths;
    }

    static List<WindowShare> windowShares(List<PayoutLedger.LedgerShare> shares) {
        List<WindowShare> window = new ArrayList<>();
        for (PayoutLedger.LedgerShare s : shares) {
            window.add(WindowShare.of(s.share()));
        }
        return window;
    }

    @Test
    void aWindowSummedInTheDatabaseEqualsTheShareByShareWindow() throws Exception {
        Random random = new Random(20261205);
        Instant start = Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.SECONDS);
        record(random, 2_500, start);
        long last = payouts.lastPoolShareId();
        assertTrue(last > 0);
        // Loaded for the longest length asked below: it holds every share, so it must answer every window.
        assertTrue(payouts.awaitRollingWindow(EVERYTHING, Duration.ofSeconds(60)));
        assertEquals(last, ledger.shareWindow().newestPoolShareId().orElseThrow());
        Pplns pplns = new Pplns(PoolFee.percent("2", "0.5"), 1);
        Tides tides = new Tides(PoolFee.percent("2", "0.5"), 1, 10_000, new byte[] {0x51}, Optional.of(new byte[] {0x52}));
        List<WindowShare> all = windowShares(payouts.windowUpToShare(last, EVERYTHING));
        int compared = 0;
        for (int round = 0; round < 6; round++) {
            Instant upTo = start.plusSeconds(random.nextInt(2_500 * 3 + 20));
            long upToId = round == 0 ? last : 1 + random.nextInt((int) last);
            for (ExactWeight length : lengths(random, all)) {
                assertEquals(database.windowWeightsEndingAt(upTo, length), heldEndingAt(upTo, length),
                        "rolling PPLNS window up to " + upTo + ", length " + length);
                assertEquals(database.windowWeightsUpToShare(upToId, length), heldUpToShare(upToId, length),
                        "rolling TIDES window up to share " + upToId + ", length " + length);
                List<WindowShare> byTime = payouts.windowEndingAt(upTo, length);
                assertEquals(WindowWeights.of(byTime, length), payouts.windowWeightsEndingAt(upTo, length),
                        "PPLNS window up to " + upTo + ", length " + length);
                List<WindowShare> byId = windowShares(payouts.windowUpToShare(upToId, length));
                assertEquals(WindowWeights.of(byId, length), payouts.windowWeightsUpToShare(upToId, length),
                        "TIDES window up to share " + upToId + ", length " + length);
                compared++;
                if (length.isZero()) {
                    continue;
                }
                // The satoshis, as BlockTracker and TidesPlanner divide them, for a network difficulty near the length.
                double difficulty = length.doubleValue();
                FoundBlock block = new FoundBlock(312_500_000L + round, difficulty, "finder");
                ExactWeight pplnsLength = pplns.windowLength(difficulty);
                assertEquals(pplns.distribute(block, payouts.windowEndingAt(upTo, pplnsLength)),
                        pplns.distribute(block, payouts.windowWeightsEndingAt(upTo, pplnsLength)));
                ExactWeight tidesLength = tides.windowLength(difficulty);
                Tides.OutputScripts scripts = a -> a.hashCode() % 3 == 0 ? Optional.empty() : Optional.of(new byte[] {0x51, 0x52});
                List<Credit> carried = List.of(new Credit("acct3", 12_345));
                assertEquals(tides.plan(312_500_000L, difficulty, "finder", windowShares(payouts.windowUpToShare(upToId, tidesLength)),
                                carried, scripts, 400),
                        tides.plan(312_500_000L, difficulty, "finder", payouts.windowWeightsUpToShare(upToId, tidesLength),
                                carried, scripts, 400));
            }
            Instant after = upTo.minusSeconds(random.nextInt(3_000));
            List<WindowShare> round0 = payouts.round(after, upTo);
            assertEquals(WindowWeights.all(round0), payouts.roundWeights(after, upTo), "PROP round " + after + ".." + upTo);
            Prop prop = new Prop(PoolFee.percent("1", "0"));
            FoundBlock block = new FoundBlock(625_000_000L, 1, "finder");
            assertEquals(prop.distribute(block, round0), prop.distribute(block, payouts.roundWeights(after, upTo)));
        }
        assertEquals(42, compared);
    }

    /** The rolling window's answer, which must be there. */
    WindowWeights heldEndingAt(Instant upTo, ExactWeight length) {
        return ledger.shareWindow().endingAt(upTo, length)
                .orElseThrow(() -> new AssertionError("the rolling window did not answer up to " + upTo + ", length " + length));
    }

    WindowWeights heldUpToShare(long lastShareId, ExactWeight length) {
        return ledger.shareWindow().upToShare(lastShareId, length)
                .orElseThrow(() -> new AssertionError("the rolling window did not answer up to share " + lastShareId));
    }

    /** Writes one share with an id of the test's choosing, as another instance's writer would commit it. */
    void commitWithId(long id, ShareRecord share) throws Exception {
        String sql = GroupCommitWriter.INSERT_SHARE.replace(") VALUES (", ", id) VALUES (").replace("?)", "?, ?)");
        try (java.sql.Connection c = ledger.dataSource().getConnection(); java.sql.PreparedStatement insert = c.prepareStatement(sql)) {
            GroupCommitWriter.bind(insert, share);
            insert.setLong(14, id);
            insert.executeUpdate();
        }
    }

    /** {@code count} random shares of the last hour; returns now, to the microsecond (a bound the rolling window takes). */
    Instant recordRecent(long seed, int count) throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        record(new Random(seed), count, now.minusSeconds(count * 3L + 600));
        return now;
    }

    @Test
    void sharesCommittedOutOfIdOrderAreInTheNextWindow() throws Exception {
        Instant now = recordRecent(99, 300);
        assertTrue(payouts.awaitRollingWindow(EVERYTHING, Duration.ofSeconds(60)));
        long last = payouts.lastPoolShareId();
        // Three instances drew ids last+1 .. last+30; the one holding the highest commits first.
        commitWithId(last + 30, ShareRecord.of("late.a", "j", "c", 7, 8, TestShares.hash("late", 30), false, ShareRecord.POOL, now));
        assertEquals(database.windowWeightsEndingAt(now, EVERYTHING), heldEndingAt(now, EVERYTHING));
        assertEquals(database.windowWeightsUpToShare(last + 30, EVERYTHING), heldUpToShare(last + 30, EVERYTHING));
        for (long id : new long[] {last + 12, last + 1, last + 29, last + 13}) {
            commitWithId(id, ShareRecord.of("late.b" + id % 3, "j", "c", 0.1 * id, 8, TestShares.hash("late", id), false,
                    id % 2 == 0 ? ShareRecord.POOL : ShareRecord.SOLO, now.minusSeconds(1)));
            WindowWeights held = heldEndingAt(now, EVERYTHING);
            assertEquals(database.windowWeightsEndingAt(now, EVERYTHING), held, "after id " + id);
            assertEquals(database.windowWeightsUpToShare(last + 30, EVERYTHING), heldUpToShare(last + 30, EVERYTHING));
            assertEquals(database.windowWeightsUpToShare(id, EVERYTHING), heldUpToShare(id, EVERYTHING));
            assertEquals(last + 30, ledger.shareWindow().newestPoolShareId().orElseThrow());
        }
        assertTrue(heldEndingAt(now, EVERYTHING).byAccount().containsKey("late"), "the late shares are in");
        // A window whose edge falls among the late shares.
        ExactWeight short0 = ExactWeight.of(20.5);
        assertEquals(database.windowWeightsEndingAt(now, short0), heldEndingAt(now, short0));
    }

    @Test
    void aGapOlderThanTheGapTimeoutIsTakenAsIdsThatNeverCommit() throws Exception {
        Instant now = recordRecent(11, 200);
        try (RollingShareWindow window = new RollingShareWindow(ledger, Duration.ofMillis(300))) {
            assertTrue(window.awaitLoaded(EVERYTHING, Duration.ofSeconds(60)));
            long last = payouts.lastPoolShareId();
            commitWithId(last + 10, ShareRecord.of("gap.a", "j", "c", 3, 4, TestShares.hash("gap", 10), false, ShareRecord.POOL, now));
            commitWithId(last + 2, ShareRecord.of("gap.b", "j", "c", 5, 6, TestShares.hash("gap", 2), false, ShareRecord.POOL, now));
            assertEquals(database.windowWeightsUpToShare(last + 10, EVERYTHING), window.upToShare(last + 10, EVERYTHING).orElseThrow());
            // Within the timeout a late commit into the gap is read; past it, the gap is closed: the
            // window counts on every batch committing within the timeout of drawing its ids.
            commitWithId(last + 5, ShareRecord.of("gap.c", "j", "c", 7, 8, TestShares.hash("gap", 5), false, ShareRecord.POOL, now));
            assertEquals(database.windowWeightsUpToShare(last + 10, EVERYTHING), window.upToShare(last + 10, EVERYTHING).orElseThrow());
            Thread.sleep(600);
            WindowWeights closed = window.upToShare(last + 10, EVERYTHING).orElseThrow();
            commitWithId(last + 7, ShareRecord.of("gap.d", "j", "c", 9, 8, TestShares.hash("gap", 7), false, ShareRecord.POOL, now));
            assertEquals(closed, window.upToShare(last + 10, EVERYTHING).orElseThrow(), "a commit 0.6 s late is not read");
            assertFalse(database.windowWeightsUpToShare(last + 10, EVERYTHING).equals(closed), "the database has it");
        }
    }

    @Test
    void aWindowReachingBelowWhatIsHeldIsReadFromTheDatabase() throws Exception {
        Random random = new Random(5);
        Instant start = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
        record(random, 1_500, start);
        ExactWeight shortWindow = ExactWeight.of(5_000); // a few shares; 3x that is held
        assertTrue(payouts.awaitRollingWindow(shortWindow, Duration.ofSeconds(60)));
        long last = payouts.lastPoolShareId();
        assertEquals(database.windowWeightsUpToShare(last, shortWindow), heldUpToShare(last, shortWindow));
        ExactWeight longWindow = ExactWeight.of(400_000);
        assertTrue(ledger.shareWindow().upToShare(last, longWindow).isEmpty(), "not held that far back");
        assertEquals(database.windowWeightsUpToShare(last, longWindow), payouts.windowWeightsUpToShare(last, longWindow));
        assertEquals(database.windowWeightsEndingAt(Instant.now(), longWindow), payouts.windowWeightsEndingAt(Instant.now(), longWindow));
        assertTrue(ledger.shareWindow().upToShare(last / 2, shortWindow).isEmpty(), "an old window is not held");
        // Asked once, the longer window is loaded in the background and answered from memory after.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Optional<WindowWeights> held = Optional.empty();
        while (held.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            held = ledger.shareWindow().upToShare(last, longWindow);
        }
        assertEquals(database.windowWeightsUpToShare(last, longWindow), held.orElseThrow());
    }

    @Test
    void aFreshAccountNamePerShareDoesNotGrowTheWindowsIndexForever() throws Exception {
        ExactWeight shortWindow = ExactWeight.of(5_000); // a few shares; 3x that is held
        Instant start = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        List<CompletableFuture<Void>> written = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            written.add(ledger.recordShare(ShareRecord.of("miner" + i + ".rig", "j", "c", 1024, 2048, String.format("%064x", i),
                    false, "pool", start.plusMillis(i))));
        }
        for (CompletableFuture<Void> w : written) {
            w.get(60, TimeUnit.SECONDS);
        }
        assertTrue(payouts.awaitRollingWindow(shortWindow, Duration.ofSeconds(60)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ledger.shareWindow().accountNames() > RollingShareWindow.MIN_ACCOUNT_NAMES && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(ledger.shareWindow().accountNames() <= RollingShareWindow.MIN_ACCOUNT_NAMES,
                "account names known: " + ledger.shareWindow().accountNames());
        long last = payouts.lastPoolShareId();
        assertEquals(database.windowWeightsUpToShare(last, shortWindow), heldUpToShare(last, shortWindow));
    }

    @Test
    void anEmptyLedgerHasAnEmptyWindow() {
        assertEquals(WindowWeights.EMPTY, payouts.windowWeightsEndingAt(Instant.now(), ExactWeight.of(100)));
        assertEquals(WindowWeights.EMPTY, payouts.windowWeightsUpToShare(payouts.lastPoolShareId(), ExactWeight.of(100)));
        assertEquals(WindowWeights.EMPTY, payouts.roundWeights(Instant.EPOCH, Instant.now()));
    }

    @Test
    void aWindowIsTheSameAfterTheSharesBelowItWereCompacted() throws Exception {
        Random random = new Random(7);
        Instant start = Instant.now().minus(ShareRetention.DEFAULT_MINIMUM_AGE).minus(Duration.ofDays(30))
                .truncatedTo(ChronoUnit.HOURS);
        record(random, 2_000, start);
        Pplns pplns = new Pplns(PoolFee.percent("1", "0"), 1);
        double difficulty = 20_000; // the newest ~20 shares of ~1,000 difficulty on average
        ExactWeight length = pplns.windowLength(difficulty);
        WindowWeights before = payouts.windowWeightsEndingAt(Instant.now(), length);
        WindowWeights beforeById = payouts.windowWeightsUpToShare(payouts.lastPoolShareId(), length);
        assertFalse(before.byAccount().isEmpty());
        assertTrue(payouts.awaitRollingWindow(ExactWeight.of(1e9), Duration.ofSeconds(60)));
        WindowWeights held = heldEndingAt(Instant.now().truncatedTo(ChronoUnit.MICROS), ExactWeight.of(1e9));

        ShareRetention.Summary s = new ShareRetention(ledger, pplns,
                BlockTracker.ChainView.withoutBlocks(difficulty, 5_000_000_000L), ShareRetention.DEFAULT_MINIMUM_AGE)
                .compact(Duration.ofMinutes(1));
        assertTrue(s.sharesCompacted() > 1_000, "compacted " + s.sharesCompacted());
        // The rolling window, loaded before compaction with every share, drops what compaction took.
        assertTrue(held.byAccount().size() > 0);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        assertEquals(before, heldEndingAt(now, length));
        assertEquals(database.windowWeightsEndingAt(now, ExactWeight.of(1e9)),
                heldEndingAt(now, ExactWeight.of(1e9)));

        assertEquals(before, payouts.windowWeightsEndingAt(Instant.now(), length));
        assertEquals(beforeById, payouts.windowWeightsUpToShare(payouts.lastPoolShareId(), length));
        assertEquals(WindowWeights.of(payouts.windowEndingAt(Instant.now(), length), length), before);
        // A window reaching further back than compaction left: both paths see the same shares left.
        ExactWeight longer = ExactWeight.of(1e9);
        assertEquals(WindowWeights.of(payouts.windowEndingAt(Instant.now(), longer), longer),
                payouts.windowWeightsEndingAt(Instant.now(), longer));
    }
}
