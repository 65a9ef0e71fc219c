package org.templar.payout.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.templar.payout.Ledger;
import org.templar.payout.LedgerConfig;
import org.templar.payout.PayoutLedger;
import org.templar.payout.ShareRecord;
import org.templar.payout.scheme.Credit;
import org.templar.payout.scheme.Distribution;
import org.templar.payout.scheme.ExactWeight;
import org.templar.payout.scheme.FoundBlock;
import org.templar.payout.scheme.PoolFee;
import org.templar.payout.scheme.Pplns;
import org.templar.payout.scheme.Tides;
import org.templar.payout.scheme.WindowShare;

/**
 * Issue 10's payout goal: a PPLNS distribution and a TIDES coinbase plan over a window of a million
 * shares, (a) from a window already in memory and (b) the whole path a block settlement
 * ({@code BlockTracker}: {@link PayoutLedger#windowWeightsEndingAt}) and a template plan ({@code TidesPlanner}:
 * {@link PayoutLedger#windowWeightsUpToShare}) take, from the database read on; and, for comparison,
 * the share-by-share reads {@code templar payouts verify} recomputes them from
 * ({@link PayoutLedger#windowEndingAt}, {@link PayoutLedger#windowUpToShare}). The path from the
 * database is timed twice: reading the tables ({@link PayoutLedger#readingTheDatabase}), and with the
 * ledger's rolling window loaded (the shares held in memory, what a running pool answers from).
 *
 * <pre>
 *   ./templar bench payouts [--shares 1000000] [--accounts 10000] [--runs 5] [--memory-only]
 *                           [--through-writer] [--share-by-share-runs 1]
 * </pre>
 * The ledger is H2 on disk in a temporary directory, and also PostgreSQL when TEMPLAR_TEST_POSTGRES_URL
 * (with _USER and _PASSWORD) is set. The window is sized to hold every share written. The shares are
 * loaded with plain JDBC batches, 5,000 per transaction (the same rows, in the same id order, as the
 * ledger's writer would commit; only what is read is measured); {@code --through-writer} writes them
 * through {@link Ledger#recordShare} instead, durable group commit, as before (minutes on H2).
 */
public final class PayoutSchemesBench {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final long REWARD = 312_500_000L;
    private static final int OUTPUT_BYTES = 4_000;

    private PayoutSchemesBench() {}

    public static void main(String[] args) throws Exception {
        int shares = 1_000_000;
        int accounts = 10_000;
        int runs = 5;
        boolean memoryOnly = false;
        boolean throughWriter = false;
        int shareByShareRuns = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shares" -> shares = Integer.parseInt(args[++i]);
                case "--accounts" -> accounts = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--memory-only" -> memoryOnly = true;
                case "--through-writer" -> throughWriter = true;
                case "--share-by-share-runs" -> shareByShareRuns = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        List<ShareRecord> records = new ArrayList<>(shares);
        double total = 0;
        for (int n = 0; n < shares; n++) {
            ShareRecord r = share(n, accounts);
            records.add(r);
            total += r.shareDifficulty();
        }
        // The window reaches back over every share (the oldest one just inside).
        double networkDifficulty = total;
        PoolFee fee = new PoolFee(20_000, 5_000); // 2 % fee, 0.5 % donation
        Pplns pplns = new Pplns(fee, 1.0);
        Tides tides = new Tides(fee, 1.0, 10_000, script(-1), Optional.of(script(-2)));
        FoundBlock block = new FoundBlock(REWARD, networkDifficulty, records.get(shares - 1).user());
        Tides.OutputScripts scripts = account -> Optional.of(script(Integer.parseInt(account.substring(4))));
        System.out.printf("%,d shares from %,d accounts, window %s difficulty; %d runs each, min and median%n",
                shares, accounts, networkDifficulty, runs);

        List<WindowShare> window = new ArrayList<>(shares);
        for (ShareRecord r : records) {
            window.add(WindowShare.of(r));
        }
        time("PPLNS distribution, window in memory", runs, () -> pplns.distribute(block, window).credits().size() + " credits");
        time("TIDES coinbase plan, window in memory", runs,
                () -> tides.plan(REWARD, networkDifficulty, block.finderAccount(), window, List.of(), scripts, OUTPUT_BYTES)
                        .paid().size() + " outputs");
        Distribution inMemory = pplns.distribute(block, window);
        Tides.CoinbasePlan planInMemory = tides.plan(REWARD, networkDifficulty, block.finderAccount(), window, List.of(), scripts,
                OUTPUT_BYTES);
        Expected expected = new Expected(inMemory, planInMemory, throughWriter, shareByShareRuns);
        if (memoryOnly) {
            return;
        }
        Path dir = Files.createTempDirectory("templar-payout-bench");
        ledgerPath("H2 (on disk, " + dir + ")", LedgerConfig.embedded(dir), records, runs, pplns, tides, block, scripts, expected);
        String schema = "payoutbench" + ProcessHandle.current().pid();
        var postgres = BenchPostgres.freshSchema(schema);
        if (postgres.isPresent()) {
            LedgerConfig pg = postgres.get();
            ledgerPath("PostgreSQL (schema " + schema + ")", pg, records, runs, pplns, tides, block, scripts, expected);
        }
    }

    private record Expected(Distribution distribution, Tides.CoinbasePlan plan, boolean throughWriter, int shareByShareRuns) {}

    private static void ledgerPath(String name, LedgerConfig config, List<ShareRecord> records, int runs, Pplns pplns,
            Tides tides, FoundBlock block, Tides.OutputScripts scripts, Expected expected) throws Exception {
        try (Ledger ledger = Ledger.open(config)) {
            long start = System.nanoTime();
            if (expected.throughWriter()) {
                List<CompletableFuture<Void>> pending = new ArrayList<>();
                for (ShareRecord r : records) {
                    pending.add(ledger.recordShare(r));
                    if (pending.size() == 20_000) { // stay well inside the writer's queue
                        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
                        pending.clear();
                    }
                }
                CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
            } else {
                bulkLoad(ledger, records);
            }
            System.out.printf("%s: %,d shares %s in %.1f s%n", name, records.size(),
                    expected.throughWriter() ? "written through the ledger's writer" : "bulk-loaded", (System.nanoTime() - start) / 1e9);
            // The database path: every window read from the tables (the rolling window's fallback).
            PayoutLedger payouts = PayoutLedger.readingTheDatabase(ledger);
            // H2 hands back a prepared query's last result when its parameters are the same and no
            // table changed: one solo share (outside every window) between runs keeps each run
            // honest, as a pool that keeps writing shares does.
            int[] touches = {0};
            Runnable touch = () -> ledger.recordShare(ShareRecord.of("solo.bench", "j", "c", 1, 1,
                    String.format("%064x", Long.MAX_VALUE - touches[0]++), false, ShareRecord.SOLO, Instant.now())).join();
            Instant foundAt = records.get(records.size() - 1).time();
            ExactWeight pplnsLength = pplns.windowLength(block.networkDifficulty());
            ExactWeight tidesLength = tides.windowLength(block.networkDifficulty());
            settleAndPlan(name + ": ", payouts, runs, touch, pplns, tides, block, scripts, foundAt, expected);
            // The rolling window: the shares held in memory, fed from the database by id; each
            // answer first reads what was committed since (here the one solo share per run).
            PayoutLedger rolling = new PayoutLedger(ledger);
            long loadStart = System.nanoTime();
            ExactWeight longest = pplnsLength.compareTo(tidesLength) >= 0 ? pplnsLength : tidesLength;
            if (!rolling.awaitRollingWindow(longest, java.time.Duration.ofMinutes(10))) {
                throw new IllegalStateException("the rolling window did not load");
            }
            System.out.printf("%s: rolling window loaded in %.1f s (background, at first use)%n", name,
                    (System.nanoTime() - loadStart) / 1e9);
            settleAndPlan(name + ": rolling window, ", rolling, runs, touch, pplns, tides, block, scripts, foundAt, expected);
            if (expected.shareByShareRuns() == 0) {
                return;
            }
            // What `templar payouts verify` reads to recompute the same: every share as an object.
            time(name + ": share by share, PPLNS (windowEndingAt + distribute)", expected.shareByShareRuns(), touch, () -> {
                Distribution d = pplns.distribute(block, payouts.windowEndingAt(foundAt, pplnsLength));
                if (!d.equals(expected.distribution())) {
                    throw new IllegalStateException("the ledger's window divides differently from the one in memory");
                }
                return d.credits().size() + " credits";
            });
            time(name + ": share by share, TIDES (lastPoolShareId + windowUpToShare + carried + plan)", expected.shareByShareRuns(), touch, () -> {
                long last = payouts.lastPoolShareId();
                List<WindowShare> window = new ArrayList<>();
                for (PayoutLedger.LedgerShare s : payouts.windowUpToShare(last, tidesLength)) {
                    window.add(WindowShare.of(s.share()));
                }
                List<Credit> carried = payouts.carried();
                return tides.plan(REWARD, block.networkDifficulty(), block.finderAccount(), window, carried, scripts, OUTPUT_BYTES)
                        .paid().size() + " outputs";
            });
        }
    }

    /** A PPLNS settlement as {@code BlockTracker} makes it, and a TIDES plan as {@code TidesPlanner} does, each checked. */
    private static void settleAndPlan(String name, PayoutLedger payouts, int runs, Runnable touch, Pplns pplns, Tides tides,
            FoundBlock block, Tides.OutputScripts scripts, Instant foundAt, Expected expected) {
        ExactWeight pplnsLength = pplns.windowLength(block.networkDifficulty());
        ExactWeight tidesLength = tides.windowLength(block.networkDifficulty());
        time(name + "PPLNS settlement (windowWeightsEndingAt + distribute)", runs, touch, () -> {
            Distribution d = pplns.distribute(block, payouts.windowWeightsEndingAt(foundAt, pplnsLength));
            if (!d.equals(expected.distribution())) {
                throw new IllegalStateException("the ledger's window divides differently from the one in memory");
            }
            return d.credits().size() + " credits";
        });
        time(name + "TIDES template plan (lastPoolShareId + windowWeightsUpToShare + carried + plan)", runs, touch, () -> {
            long last = payouts.lastPoolShareId();
            List<Credit> carried = payouts.carried();
            Tides.CoinbasePlan plan = tides.plan(REWARD, block.networkDifficulty(), block.finderAccount(),
                    payouts.windowWeightsUpToShare(last, tidesLength), carried, scripts, OUTPUT_BYTES);
            if (!plan.equals(expected.plan())) {
                throw new IllegalStateException("the ledger's window plans differently from the one in memory");
            }
            return plan.paid().size() + " outputs";
        });
    }

    /** The shares as the writer inserts them (its columns, in order), 5,000 per transaction, no sync per commit. */
    private static void bulkLoad(Ledger ledger, List<ShareRecord> records) throws Exception {
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement insert = c.prepareStatement("INSERT INTO shares (worker, user_name, worker_name, job_id, "
                        + "channel_id, share_difficulty, achieved_difficulty, share_hash, block_candidate, payout_mode, "
                        + "submitted_at, revenue_weight, template_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            c.setAutoCommit(false);
            int n = 0;
            for (ShareRecord s : records) {
                insert.setString(1, s.worker());
                insert.setString(2, s.user());
                insert.setString(3, s.workerName());
                insert.setString(4, s.jobId());
                insert.setString(5, s.channelId());
                insert.setDouble(6, s.shareDifficulty());
                insert.setDouble(7, s.achievedDifficulty());
                insert.setString(8, s.shareHash());
                insert.setBoolean(9, s.blockCandidate());
                insert.setString(10, s.payoutMode());
                insert.setObject(11, OffsetDateTime.ofInstant(s.time(), ZoneOffset.UTC));
                insert.setDouble(12, s.revenueWeight());
                insert.setString(13, s.templateSource());
                insert.addBatch();
                if (++n % 5_000 == 0) {
                    insert.executeBatch();
                    c.commit();
                }
            }
            insert.executeBatch();
            c.commit();
            c.setAutoCommit(true);
        }
    }

    /** Vardiff-like difficulties, not all whole numbers, so the exact arithmetic has real work to do. */
    private static ShareRecord share(int n, int accounts) {
        int account = (int) ((n * 2_654_435_761L) % accounts);
        double difficulty = 1024.0 * (1 + n % 13) + (n % 5) * 0.375;
        return ShareRecord.of(String.format("acct%05d.rig%d", account, n % 3), "j" + (n % 50), "c" + (n % 50),
                difficulty, difficulty * 1.5, String.format("%064x", n), false, ShareRecord.POOL, T0.plusMillis(n));
    }

    /** A P2WPKH-shaped script per account (-1: the pool, -2: the donation). */
    private static byte[] script(int account) {
        byte[] s = new byte[22];
        s[0] = 0x00;
        s[1] = 0x14;
        Arrays.fill(s, 2, 22, (byte) account);
        s[2] = (byte) (account >> 8);
        s[3] = (byte) (account >> 16);
        return s;
    }

    private static void time(String what, int runs, Supplier<String> body) {
        time(what, runs, () -> {}, body);
    }

    private static void time(String what, int runs, Runnable beforeEach, Supplier<String> body) {
        long[] ns = new long[runs];
        String result = "";
        for (int i = 0; i < runs; i++) {
            beforeEach.run();
            long start = System.nanoTime();
            result = body.get();
            ns[i] = System.nanoTime() - start;
        }
        Arrays.sort(ns);
        System.out.printf("  %-90s min %7.1f ms  median %7.1f ms  (%s)%n", what, ns[0] / 1e6, ns[runs / 2] / 1e6, result);
    }
}
