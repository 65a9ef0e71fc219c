package org.templar.payout.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.templar.payout.BlockTracker;
import org.templar.payout.Ledger;
import org.templar.payout.LedgerConfig;
import org.templar.payout.ShareRecord;
import org.templar.payout.ShareRetention;
import org.templar.payout.scheme.PoolFee;
import org.templar.payout.scheme.Pplns;

/**
 * Retention throughput (issue 10): how fast {@link ShareRetention} folds old shares into aggregates,
 * on the embedded H2 on disk (and PostgreSQL when TEMPLAR_TEST_POSTGRES_* is set).
 *
 * <pre>
 *   ./templar bench retention [--shares 2000000] [--workers 1000] [--window 100000] [--postgres-only]
 * </pre>
 * Writes the shares through the ledger's writer, one per 100 ms from 60 days ago (so all are past
 * the 7-day minimum age), PPLNS with a window of about {@code --window} shares, then compacts
 * everything it may in one run and a second run (nothing left: the cost of a periodic run with
 * nothing to do), checking that count and difficulty sums are the same before and after.
 */
public final class ShareRetentionBench {
    private ShareRetentionBench() {}

    public static void main(String[] args) throws Exception {
        int shares = 2_000_000;
        int workers = 1_000;
        int window = 100_000;
        boolean h2 = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shares" -> shares = Integer.parseInt(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--window" -> window = Integer.parseInt(args[++i]);
                case "--postgres-only" -> h2 = false;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf("%,d shares from %,d workers, PPLNS window of ~%,d shares; %d cores, java %s%n", shares, workers, window,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        if (h2) {
            Path dir = Files.createTempDirectory("templar-retention-bench");
            run("H2 (on disk, " + dir + ")", LedgerConfig.embedded(dir), shares, workers, window);
        }
        String schema = "retentionbench" + ProcessHandle.current().pid();
        var postgres = BenchPostgres.freshSchema(schema);
        if (postgres.isPresent()) {
            LedgerConfig pg = postgres.get();
            run("PostgreSQL (schema " + schema + ")", pg, shares, workers, window);
        }
    }

    private static void run(String name, LedgerConfig config, int shares, int workers, int window) throws Exception {
        Instant t0 = Instant.now().minus(Duration.ofDays(60)).truncatedTo(ChronoUnit.SECONDS);
        double meanDifficulty = 1024.0 * 7 + 0.375 * 2; // of share() below
        double networkDifficulty = meanDifficulty * window;
        BlockTracker.ChainView chain = BlockTracker.ChainView.withoutBlocks(networkDifficulty, 312_500_000L);
        try (Ledger ledger = Ledger.open(config)) {
            long start = System.nanoTime();
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (int n = 0; n < shares; n++) {
                pending.add(ledger.recordShare(share(n, workers, t0)));
                if (pending.size() == 20_000) { // stay well inside the writer's queue
                    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
                    pending.clear();
                }
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
            System.out.printf("%s: %,d shares written in %.1f s%n", name, shares, (System.nanoTime() - start) / 1e9);
            double[] before = totals(ledger);

            ShareRetention retention = new ShareRetention(ledger, new Pplns(PoolFee.NONE, 1.0), chain,
                    ShareRetention.DEFAULT_MINIMUM_AGE);
            long cutStart = System.nanoTime();
            ShareRetention.Cut cut = retention.cut();
            System.out.printf("  cut (walks the current window back from the newest share): %.0f ms, below id %,d%n",
                    (System.nanoTime() - cutStart) / 1e6, cut.beforeId());
            ShareRetention.Summary s = retention.compact(cut, Duration.ofHours(1));
            System.out.printf("  compaction: %,d shares in %.1f s = %,.0f shares/s, %d batches, %,d aggregate rows written, %,d left%n",
                    s.sharesCompacted(), s.took().toNanos() / 1e9, s.sharesPerSecond(), s.batches(), s.aggregateRowsWritten(),
                    s.sharesLeft());
            ShareRetention.Summary again = retention.compact(Duration.ofHours(1));
            System.out.printf("  second run (nothing to do): %,d shares, %.0f ms including the cut%n", again.sharesCompacted(),
                    again.took().toNanos() / 1e6);
            double[] after = totals(ledger);
            if (before[0] != after[0] || Math.abs(before[1] - after[1]) > 1e-9 * before[1]) {
                throw new IllegalStateException("totals changed: " + before[0] + "/" + before[1] + " -> " + after[0] + "/" + after[1]);
            }
            System.out.printf("  totals before = after: %,.0f shares, difficulty %.6e%n", after[0], after[1]);
        }
    }

    /** Shares and difficulty, in detail and in aggregates together. */
    private static double[] totals(Ledger ledger) throws Exception {
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT (SELECT COUNT(*) FROM shares) + (SELECT COALESCE(SUM(shares), 0) "
                        + "FROM share_aggregates), (SELECT COALESCE(SUM(share_difficulty), 0) FROM shares) + "
                        + "(SELECT COALESCE(SUM(sum_difficulty), 0) FROM share_aggregates)");
                ResultSet rs = q.executeQuery()) {
            rs.next();
            return new double[] {rs.getDouble(1), rs.getDouble(2)};
        }
    }

    /** Vardiff-like difficulties (as PayoutSchemesBench), one share per 100 ms. */
    private static ShareRecord share(int n, int workers, Instant t0) {
        int worker = (int) ((n * 2_654_435_761L) % workers);
        double difficulty = 1024.0 * (1 + n % 13) + (n % 5) * 0.375;
        return ShareRecord.of(String.format("acct%05d.rig%d", worker / 3, worker % 3), "j" + (n % 50), "c" + (n % 50),
                difficulty, difficulty * 1.5, String.format("%064x", n), n % 100_000 == 0, ShareRecord.POOL,
                t0.plusMillis(100L * n));
    }
}
