package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of a stream of shares: everything the ledger acknowledged must be in the
 * database when it is opened again.
 */
class LedgerKillTest {

    @TempDir
    Path dir;

    private static long maxShareId(Ledger ledger) throws java.sql.SQLException {
        try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT MAX(id) FROM shares")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void everyAcknowledgedShareAndBlockSurvivesAKilledProcess() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path childErr = dir.resolve("child.err");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                LedgerKillChild.class.getName(), data.toString())
                .redirectError(childErr.toFile())
                .start();
        Set<String> ackedShares = ConcurrentHashMap.newKeySet();
        Set<String> ackedBlocks = ConcurrentHashMap.newKeySet();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("SHARE ")) {
                        ackedShares.add(line.substring(6));
                    } else if (line.startsWith("BLOCK ")) {
                        ackedBlocks.add(line.substring(6));
                    }
                }
            } catch (java.io.IOException e) {
                // the pipe breaks when the child dies: what was read is what counts
            }
        });
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            while ((ackedShares.size() < 5_000 || ackedBlocks.size() < 2) && System.nanoTime() < deadline
                    && child.isAlive()) {
                Thread.sleep(20);
            }
            assertTrue(child.isAlive(), "the child must still be writing when killed; stderr:\n" + Files.readString(childErr));
            assertTrue(ackedShares.size() >= 5_000 && ackedBlocks.size() >= 2,
                    "child acknowledged only " + ackedShares.size() + " shares, " + ackedBlocks.size() + " blocks");
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            assertTrue(child.waitFor(20, TimeUnit.SECONDS));
        }
        reader.join(10_000);
        Set<String> acked = Set.copyOf(ackedShares);

        try (Ledger ledger = Ledger.open(LedgerConfig.embedded(data))) {
            Set<String> stored = new HashSet<>();
            try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT share_hash FROM shares")) {
                while (rs.next()) {
                    stored.add(rs.getString(1));
                }
            }
            Set<String> lost = new HashSet<>(acked);
            lost.removeAll(stored);
            assertTrue(lost.isEmpty(), lost.size() + " of " + acked.size() + " acknowledged shares lost, e.g. "
                    + lost.stream().limit(3).toList());
            for (String block : List.copyOf(ackedBlocks)) {
                assertTrue(ledger.blockByHash(block).isPresent(), "acknowledged block lost: " + block);
            }
            try (Connection c = ledger.dataSource().getConnection()) {
                assertEquals(WorkerStatsJournalContract.fromShares(c), ledger.workerStats(),
                        "per-worker totals count every share the killed process wrote, no more");
            }
            // H2 reserves share ids in blocks (Ledger.H2_SHARE_ID_CACHE) and the killed process had one
            // open: the reopened ledger must go on above every id it left, not hand one out again.
            long highest = maxShareId(ledger);
            List<java.util.concurrent.CompletableFuture<Void>> next = new java.util.ArrayList<>();
            for (int i = 0; i < 100; i++) {
                next.add(ledger.recordShare(TestShares.share("after.kill", i)));
            }
            for (var f : next) {
                f.get(30, TimeUnit.SECONDS);
            }
            try (Connection c = ledger.dataSource().getConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COUNT(*), MIN(id) FROM shares WHERE worker = 'after.kill'")) {
                rs.next();
                assertEquals(100, rs.getInt(1));
                assertTrue(rs.getLong(2) > highest, "a share after the restart got id " + rs.getLong(2)
                        + ", not above the killed process's " + highest);
            }
        }
    }
}
