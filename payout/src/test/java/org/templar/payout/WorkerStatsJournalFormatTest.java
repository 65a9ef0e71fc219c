package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The journal's row encoding ({@link WorkerStatsJournal}), byte for byte: what a batch writes is read
 * back exactly, rows a pool of the previous version left (format 1) are still read, and a damaged row
 * is refused rather than folded as wrong totals. The database round trip is {@link WorkerStatsJournalContract}.
 */
class WorkerStatsJournalFormatTest {
    private static WorkerStatsJournal.Delta delta(String worker, long shares, double sum, Instant last) {
        WorkerStatsJournal.Delta d = new WorkerStatsJournal.Delta(ShareRecord.userOf(worker), last);
        d.add(shares, sum, last);
        return d;
    }

    private static Map<String, WorkerStatsJournal.Delta> decode(List<byte[]> rows) throws SQLException {
        Map<String, WorkerStatsJournal.Delta> out = new HashMap<>();
        for (byte[] row : rows) {
            WorkerStatsJournal.decodeInto(row, out);
        }
        return out;
    }

    private static void assertSame(Map<String, WorkerStatsJournal.Delta> expected, Map<String, WorkerStatsJournal.Delta> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (var e : expected.entrySet()) {
            WorkerStatsJournal.Delta a = actual.get(e.getKey());
            assertEquals(e.getValue().user, a.user, e.getKey());
            assertEquals(e.getValue().shares, a.shares, e.getKey());
            // bit for bit: a fold adds these sums to worker_stats, which must equal SUM over the shares
            assertEquals(Double.doubleToRawLongBits(e.getValue().sumDifficulty), Double.doubleToRawLongBits(a.sumDifficulty), e.getKey());
            assertEquals(e.getValue().lastShareAt, a.lastShareAt, e.getKey());
        }
    }

    @Test
    void everyWorkerNameAndValueComesBackExactly() throws Exception {
        Map<String, WorkerStatsJournal.Delta> deltas = new HashMap<>();
        Instant[] times = {Instant.EPOCH, Instant.ofEpochSecond(-1, 999_999_999), Instant.parse("2026-12-06T23:59:59.123456789Z"),
            Instant.MAX, Instant.MIN, Instant.ofEpochSecond(1, 0)};
        double[] sums = {0.0, 1024.0, 0.1 + 0.2, Double.MIN_VALUE, 1e300, 3.0e-9};
        long[] counts = {1, 127, 128, 16_383, 16_384, Long.MAX_VALUE};
        int i = 0;
        for (String worker : WorkerStatsJournalContract.WORKERS) {
            deltas.put(worker, delta(worker, counts[i % counts.length], sums[i % sums.length], times[i % times.length]));
            i++;
        }
        deltas.put("x".repeat(256) + "." + "é".repeat(256), delta("x".repeat(256) + "." + "é".repeat(256), 2, 2.5, times[2]));
        List<byte[]> rows = WorkerStatsJournal.encode(deltas);
        assertEquals(1, rows.size());
        assertEquals(2, rows.get(0)[0], "written in format 2");
        assertSame(deltas, decode(rows));
    }

    @Test
    void aWideBatchIsSplitOverRowsThatTogetherHoldEveryWorker() throws Exception {
        Map<String, WorkerStatsJournal.Delta> deltas = new HashMap<>();
        Random random = new Random(7);
        for (int n = 0; n < 20_000; n++) {
            String worker = "acct" + n + "." + "rig".repeat(1 + random.nextInt(20));
            deltas.put(worker, delta(worker, 1 + random.nextInt(1_000), random.nextDouble() * 1e6,
                    Instant.ofEpochSecond(1_700_000_000L + random.nextInt(1_000_000), random.nextInt(1_000_000_000))));
        }
        List<byte[]> rows = WorkerStatsJournal.encode(deltas);
        assertTrue(rows.size() > 1, "20,000 workers take more than one row");
        for (byte[] row : rows) {
            assertTrue(row.length <= 256 * 1024 + 1_100, "a row stays under H2's 1 MB BYTEA: " + row.length);
        }
        assertSame(deltas, decode(rows));
    }

    @Test
    void rowsInTheFormerFormatAreStillRead() throws Exception {
        // What the previous version wrote (DataOutputStream): a killed pool can leave such rows behind.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(1);
        Instant last = Instant.parse("2026-12-01T10:00:00.000001Z");
        out.writeUTF("alice.rig1");
        out.writeUTF("alice");
        out.writeLong(3);
        out.writeDouble(3072.0);
        out.writeLong(last.getEpochSecond());
        out.writeInt(last.getNano());
        out.writeUTF("gus.ünïcødé");
        out.writeUTF("gus");
        out.writeLong(1);
        out.writeDouble(0.5);
        out.writeLong(last.getEpochSecond());
        out.writeInt(last.getNano());
        Map<String, WorkerStatsJournal.Delta> expected = new HashMap<>();
        expected.put("alice.rig1", delta("alice.rig1", 3, 3072.0, last));
        expected.put("gus.ünïcødé", delta("gus.ünïcødé", 1, 0.5, last));
        assertSame(expected, decode(List.of(bytes.toByteArray())));
    }

    @Test
    void aDamagedRowIsRefusedNotFolded() throws Exception {
        Map<String, WorkerStatsJournal.Delta> deltas = new HashMap<>();
        deltas.put("alice.rig1", delta("alice.rig1", 5, 5120.0, Instant.parse("2026-12-06T00:00:00Z")));
        byte[] row = WorkerStatsJournal.encode(deltas).get(0);
        for (int cut = 2; cut < row.length; cut++) { // the format byte alone is a row of no workers
            byte[] truncated = java.util.Arrays.copyOf(row, cut);
            assertThrows(SQLException.class, () -> decode(List.of(truncated)), "cut at " + cut);
        }
        byte[] unknown = row.clone();
        unknown[0] = 9;
        SQLException e = assertThrows(SQLException.class, () -> decode(List.of(unknown)));
        assertTrue(e.getMessage().contains("unknown format 9"), e.getMessage());
        assertThrows(SQLException.class, () -> decode(List.of(new byte[0])));
        byte[] longName = row.clone();
        longName[1] = 0x7F; // the name's length now runs past the row
        assertThrows(SQLException.class, () -> decode(List.of(longName)));
        assertArrayEquals(row, WorkerStatsJournal.encode(deltas).get(0), "the encoding is deterministic");
    }
}
