package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * worker_stats stays exactly what a GROUP BY over the shares says although share batches only journal
 * their totals ({@link WorkerStatsJournal}): after a crash that folded nothing, and with two ledgers (two
 * pool instances) on one database, one of which crashes. On H2 ({@link WorkerStatsJournalH2Test}) and
 * a real PostgreSQL ({@link WorkerStatsJournalPostgresTest}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class WorkerStatsJournalContract {
    /** Worker names come from miners: the journal must carry any of them unchanged. */
    static final String[] WORKERS = {"alice.rig1", "alice.rig2", "bob", "carol.t\tab", "dave.back\\slash",
        "erin.\"quoted\",comma", "frank.new\nline", "gus.ünïcødé"};

    abstract LedgerConfig config() throws Exception;

    private static List<CompletableFuture<Void>> record(Ledger ledger, long from, int count) {
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (long n = from; n < from + count; n++) {
            futures.add(ledger.recordShare(TestShares.share(WORKERS[(int) (n % WORKERS.length)], n)));
        }
        return futures;
    }

    private static void await(List<CompletableFuture<Void>> futures) throws Exception {
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }

    /** The totals as computed from the shares themselves. */
    static List<WorkerStats> fromShares(Connection c) throws SQLException {
        List<WorkerStats> stats = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT worker, COUNT(*), "
                + "SUM(share_difficulty), MAX(submitted_at) FROM shares GROUP BY worker ORDER BY worker")) {
            while (rs.next()) {
                stats.add(new WorkerStats(rs.getString(1), rs.getLong(2), rs.getDouble(3), Ledger.instant(rs, 4)));
            }
        }
        return stats;
    }

    private static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void assertExact(Ledger ledger) throws SQLException {
        List<WorkerStats> stats = ledger.workerStats();
        try (Connection c = ledger.dataSource().getConnection()) {
            assertEquals(fromShares(c), stats);
            assertEquals(WORKERS.length, stats.size());
        }
    }

    @Test
    void aCrashBeforeAnyFoldLosesNoTotal() throws Exception {
        LedgerConfig config = config();
        // No background fold: the crash must come before any, so that the journal is all there is.
        try (Ledger ledger = Ledger.open(config, LedgerMetrics.NONE, Duration.ofHours(1))) {
            await(record(ledger, 0, 500));
            assertExact(ledger); // a read folds what was journalled so far
            await(record(ledger, 500, 3_000));
            ledger.closeWithoutFolding();
        }
        try (Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password())) {
            assertTrue(count(c, "worker_stats_journal") > 0, "the crash left batches in the journal");
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT SUM(shares) FROM worker_stats")) {
                rs.next();
                assertEquals(500, rs.getLong(1), "worker_stats itself holds only what was folded before");
            }
        }
        try (Ledger reopened = Ledger.open(config)) {
            try (Connection c = reopened.dataSource().getConnection()) {
                assertEquals(0, count(c, "worker_stats_journal"), "opening folds what the crash left");
            }
            assertExact(reopened);
            assertEquals(3_500, reopened.workerStats().stream().mapToLong(WorkerStats::shares).sum());
        }
    }

    @Test
    void twoInstancesOnOneDatabaseAndOneCrashes() throws Exception {
        LedgerConfig config = config();
        try (Ledger first = Ledger.open(config); Ledger second = Ledger.open(config)) {
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                futures.addAll(record(first, round * 2_000L, 1_000));
                futures.addAll(record(second, round * 2_000L + 1_000, 1_000));
                // Each reads (and folds) while both still write: never more than was submitted.
                long counted = (round % 2 == 0 ? first : second).workerStats().stream()
                        .mapToLong(WorkerStats::shares).sum();
                assertTrue(counted <= (round + 1) * 2_000L, counted + " shares counted after round " + round);
            }
            await(futures);
            await(record(first, 10_000, 777));
            first.closeWithoutFolding();
            await(record(second, 20_000, 333));
            assertExact(second);
            assertEquals(8_000 + 777 + 333, second.workerStats().stream().mapToLong(WorkerStats::shares).sum());
        }
    }
}
