package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The H2 writer hands committed batches to a syncer thread ({@link GroupCommitWriter}): a share is
 * acknowledged only once a sync after its commit went through. When the sync cannot run, the
 * committed shares are reported not recorded (never acknowledged as durable), and once it can again
 * the writer acknowledges new shares without a restart.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupCommitSyncTest {
    /** Refuses connections to the syncer thread while {@link #syncFails}: a disk that cannot be synced. */
    private static final class SyncRefusingDataSource extends HikariDataSource {
        volatile boolean syncFails;

        SyncRefusingDataSource(HikariConfig config) {
            super(config);
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (syncFails && Thread.currentThread().getName().equals("templar-ledger-sync")) {
                throw new SQLException("the device is gone (test)");
            }
            return super.getConnection();
        }
    }

    private static List<CompletableFuture<Void>> submit(GroupCommitWriter writer, int from, int count) {
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int n = from; n < from + count; n++) {
            futures.add(writer.submit(TestShares.share("alice.rig" + (n % 3), n)));
        }
        return futures;
    }

    private static long shares(HikariDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM shares")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void committedSharesAreNotAcknowledgedUntilASyncSucceeds(@TempDir Path dir) throws Exception {
        LedgerConfig config = LedgerConfig.embedded(dir);
        Ledger.open(config).close(); // the schema
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(config.jdbcUrl());
        hc.setUsername(config.user());
        hc.setPassword(config.password());
        hc.setMaximumPoolSize(4);
        try (SyncRefusingDataSource ds = new SyncRefusingDataSource(hc)) {
            GroupCommitWriter writer = new GroupCommitWriter(ds, 10_000, 100, true, false, 1, LedgerMetrics.NONE);
            writer.start();
            try {
                ds.syncFails = true;
                List<CompletableFuture<Void>> unsynced = submit(writer, 0, 500);
                for (CompletableFuture<Void> f : unsynced) {
                    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                            () -> f.get(30, TimeUnit.SECONDS));
                    assertTrue(e.getCause().getMessage().contains("sync to disk failed"), e.getCause().getMessage());
                }
                // Committed though never acknowledged: the documented worst case, a share counted that
                // the miner was told was rejected; never the other way round.
                assertEquals(500, shares(ds));

                ds.syncFails = false;
                List<CompletableFuture<Void>> synced = submit(writer, 500, 500);
                CompletableFuture.allOf(synced.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
                assertEquals(1_000, shares(ds));
            } finally {
                writer.close(10_000);
            }
        }
    }

    @Test
    void closeAcknowledgesEveryBatchAlreadyCommitted(@TempDir Path dir) throws Exception {
        LedgerConfig config = LedgerConfig.embedded(dir);
        List<CompletableFuture<Void>> futures;
        try (Ledger ledger = Ledger.open(config)) {
            futures = new ArrayList<>();
            for (int n = 0; n < 20_000; n++) {
                futures.add(ledger.recordShare(TestShares.share("bob.rig" + (n % 5), n)));
            }
        } // closes at once, with batches committed and waiting for the syncer
        long acknowledged = 0;
        for (CompletableFuture<Void> f : futures) {
            assertTrue(f.isDone(), "every share is answered by close()");
            if (!f.isCompletedExceptionally()) {
                acknowledged++;
            }
        }
        try (Ledger reopened = Ledger.open(config); Connection c = reopened.dataSource().getConnection();
                Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM shares")) {
            rs.next();
            assertTrue(rs.getLong(1) >= acknowledged, "every acknowledged share is stored: " + rs.getLong(1) + " < " + acknowledged);
            assertEquals(20_000, acknowledged, "an orderly close writes and syncs what was queued");
        }
    }
}
