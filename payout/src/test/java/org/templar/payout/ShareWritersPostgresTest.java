package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** {@link ShareWritersContract} on a real PostgreSQL, in a schema of its own. */
@EnabledIfEnvironmentVariable(named = "TEMPLAR_TEST_POSTGRES_URL", matches = "jdbc:postgresql:.+")
class ShareWritersPostgresTest extends ShareWritersContract {
    private static final String URL = System.getenv("TEMPLAR_TEST_POSTGRES_URL");
    private static final String USER = System.getenv("TEMPLAR_TEST_POSTGRES_USER");
    private static final String PASSWORD = System.getenv("TEMPLAR_TEST_POSTGRES_PASSWORD");

    @Override
    LedgerConfig config() throws Exception {
        return PostgresSchemas.fresh("writers");
    }

    /**
     * The database drops every connection of the ledger twice while both writers are busy (a
     * restart, a failover, an operator's pg_terminate_backend): batches caught in it fail, the
     * writers come back on fresh connections, every acknowledged share is stored exactly once, and
     * the worker totals count what is stored, no more.
     */
    @Test
    void droppedConnectionsMidRunLoseNoAcknowledgedShareAndCountNoneTwice() throws Exception {
        String application = "templar_writers_" + ProcessHandle.current().pid();
        LedgerConfig base = config();
        LedgerConfig config = new LedgerConfig(base.jdbcUrl() + "&ApplicationName=" + application, base.user(),
                base.password(), base.poolSize(), base.queueCapacity(), 200, base.connectionTimeout(), true);
        assertEquals(2, config.writers(), "PostgreSQL's default");
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        int failed = 0;
        try (Ledger ledger = Ledger.open(config)) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 10_000; i++) {
                    ShareRecord share = TestShares.share("drop" + (i % 50) + ".rig", round * 10_000L + i);
                    CompletableFuture<Void> f = ledger.recordShare(share);
                    f.thenRun(() -> acknowledged.add(share.shareHash()));
                    all.add(f);
                }
                if (round < 2) {
                    Thread.sleep(20); // some batches in flight
                    int dropped = terminate(application);
                    assertTrue(dropped > 0, "the ledger's connections were found to drop");
                }
            }
            for (CompletableFuture<Void> f : all) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    failed++;
                }
            }
            // back on fresh connections: later shares go through
            List<CompletableFuture<Void>> after = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                after.add(ledger.recordShare(TestShares.share("after.rig", 1_000_000L + i)));
            }
            CompletableFuture.allOf(after.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            Set<String> stored = new java.util.HashSet<>();
            try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT share_hash FROM shares WHERE worker LIKE 'drop%'")) {
                    while (rs.next()) {
                        assertTrue(stored.add(rs.getString(1)), "a share stored twice: " + rs.getString(1));
                    }
                }
                assertEquals(WorkerStatsJournalContract.fromShares(c), ledger.workerStats(),
                        "the worker totals count exactly what is stored");
            }
            Set<String> lost = new java.util.HashSet<>(acknowledged);
            lost.removeAll(stored);
            assertTrue(lost.isEmpty(), lost.size() + " acknowledged shares lost of " + acknowledged.size());
            assertEquals(30_000, acknowledged.size() + failed, "every share answered, one way or the other");
        }
    }

    /** Ends every backend of {@code application}; returns how many there were. */
    private static int terminate(String application) throws Exception {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                        + "WHERE application_name = '" + application + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
