package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Several share writers ({@link LedgerConfig#writers}) take batches from the one queue and commit them
 * at once: every acknowledged share is in the ledger exactly once, under an id of its own, and the
 * worker totals and the rolling window see all of them. On H2 on disk ({@link ShareWritersH2Test}) and
 * a real PostgreSQL ({@link ShareWritersPostgresTest}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class ShareWritersContract {
    private static final int PRODUCERS = 4;
    private static final int SHARES_EACH = 5_000;

    abstract LedgerConfig config() throws Exception;

    @Test
    void severalWritersRecordEveryShareOnce() throws Exception {
        // Small batches, so that every writer gets many while the producers keep the queue full.
        LedgerConfig config = config().withMaxBatch(50).withWriters(3);
        RecordingMetrics metrics = new RecordingMetrics();
        try (Ledger ledger = Ledger.open(config, metrics)) {
            List<CompletableFuture<Void>> acks = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                Thread t = new Thread(() -> {
                    for (int i = 0; i < SHARES_EACH; i++) {
                        acks.add(ledger.recordShare(TestShares.share("p" + producer + ".rig" + (i % 7), i)));
                    }
                });
                t.start();
                producers.add(t);
            }
            for (Thread t : producers) {
                t.join();
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            int total = PRODUCERS * SHARES_EACH;
            try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT share_hash), COUNT(DISTINCT id), MAX(id) "
                            + "FROM shares")) {
                rs.next();
                assertEquals(total, rs.getLong(1), "shares in the ledger");
                assertEquals(total, rs.getLong(2), "distinct shares: none written twice");
                assertEquals(total, rs.getLong(3), "distinct ids");
                assertEquals(rs.getLong(4), new PayoutLedger(ledger).lastPoolShareId(),
                        "the rolling window has caught up with every writer's batches");
            }
            assertTrue(metrics.committingThreads.size() >= 2,
                    "batches were committed by several writers, not one: " + metrics.committingThreads);
            try (Connection c = ledger.dataSource().getConnection()) {
                assertEquals(WorkerStatsJournalContract.fromShares(c), ledger.workerStats());
            }
        }
    }
}
