package org.templar.payout;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The running per-worker totals ({@code worker_stats}) kept exact off the share writer's path.
 *
 * <p>Each share batch adds one row to {@code worker_stats_journal} in its own transaction: the batch's
 * totals per worker, encoded in one value ({@link Batch}). One insert per batch instead of one update
 * per worker per batch is what takes the totals off the writer's critical path. A {@link #fold} adds
 * the journal's rows to {@code worker_stats} and deletes them, in one transaction.
 *
 * <p>Why this is exact, also after {@code kill -9} and with several pool instances on one database:
 * <ul>
 *   <li>a batch's journal row commits or rolls back with its shares, so at any moment
 *       {@code worker_stats} + the journal count exactly the committed shares; nothing lives only in
 *       memory, and a killed process leaves its rows for the next fold, by whichever instance;</li>
 *   <li>a fold first locks the one row of {@code worker_stats_fold}, so folds take turns: the journal
 *       rows a fold read are not folded by anyone else, and it is the only writer of
 *       {@code worker_stats} until it commits (plain update-then-insert is safe);</li>
 *   <li>a fold deletes exactly the rows it read, by id, in the transaction that adds them. Not
 *       "{@code id <= max}": on PostgreSQL a batch may take its id before, and commit after, a row
 *       with a higher id, and it must wait for the next fold rather than vanish. The same is why
 *       there is no high-water mark over share ids: ids of several instances interleave and do not
 *       commit in id order.</li>
 * </ul>
 * Readers of {@code worker_stats} fold first ({@link Ledger#workerStats()}), so they see every
 * acknowledged share.
 */
final class WorkerStatsJournal {
    /**
     * First byte of every encoded row, so that a later format can tell old rows apart. Format 1
     * ({@code DataOutputStream}: both names, fixed-width numbers) may still be in the journal of a
     * database a killed pool left; it is read, never written.
     */
    private static final int FORMAT_1 = 1;
    /**
     * Per worker: the name as a varint length and UTF-8, the shares as a varint, the sum of difficulty
     * as 8 bytes, the last share's second (zigzag varint) and nanosecond (varint). The account is not
     * written: it is the name up to its first '.', as {@link ShareRecord} requires. Half the bytes of
     * format 1, and encoding it was a tenth of the H2 writer's time (docs/BENCHMARKS.md).
     */
    private static final int FORMAT_2 = 2;
    /**
     * A batch whose encoding grows past this is split over several rows: H2 holds at most 1 MB in a
     * BYTEA, and one worker's entry is at most about 1 KB (a name of 256 characters).
     */
    private static final int ROW_BYTES = 256 * 1024;

    private static final String INSERT_ROW = "INSERT INTO worker_stats_journal (deltas) VALUES (?)";
    private static final String UPDATE_WORKER_STATS = "UPDATE worker_stats SET shares = shares + ?, "
            + "sum_difficulty = sum_difficulty + ?, "
            + "last_share_at = GREATEST(last_share_at, CAST(? AS TIMESTAMP(6) WITH TIME ZONE)) WHERE worker = ?";
    private static final String INSERT_WORKER_STATS = "INSERT INTO worker_stats "
            + "(worker, user_name, shares, sum_difficulty, last_share_at) VALUES (?, ?, ?, ?, ?)";

    private WorkerStatsJournal() {}

    /** Totals of one worker over some shares. */
    static final class Delta {
        final String user;
        long shares;
        double sumDifficulty;
        Instant lastShareAt;

        Delta(String user, Instant lastShareAt) {
            this.user = user;
            this.lastShareAt = lastShareAt;
        }

        void add(long count, double difficulty, Instant at) {
            shares += count;
            sumDifficulty += difficulty;
            if (at.isAfter(lastShareAt)) {
                lastShareAt = at;
            }
        }
    }

    /** One share batch's totals per worker, written in the batch's transaction. */
    static final class Batch {
        private final Map<String, Delta> deltas = new HashMap<>();

        void add(ShareRecord s) {
            deltas.computeIfAbsent(s.worker(), w -> new Delta(s.user(), s.time()))
                    .add(1, s.shareDifficulty(), s.time());
        }

        void write(Connection connection) throws SQLException {
            List<byte[]> rows = encode(deltas);
            try (PreparedStatement insert = connection.prepareStatement(INSERT_ROW)) {
                if (rows.size() == 1) {
                    insert.setBytes(1, rows.get(0));
                    insert.executeUpdate();
                    return;
                }
                for (byte[] row : rows) {
                    insert.setBytes(1, row);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        }
    }

    static List<byte[]> encode(Map<String, Delta> deltas) {
        List<byte[]> rows = new ArrayList<>(1);
        RowWriter out = new RowWriter(40 * Math.min(deltas.size(), 4_096) + 1);
        out.writeByte(FORMAT_2);
        for (Map.Entry<String, Delta> e : deltas.entrySet()) {
            if (out.size() >= ROW_BYTES) {
                rows.add(out.toByteArray());
                out = new RowWriter(ROW_BYTES / 4);
                out.writeByte(FORMAT_2);
            }
            Delta d = e.getValue();
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            out.writeVarLong(name.length);
            out.write(name);
            out.writeVarLong(d.shares);
            out.writeDouble(d.sumDifficulty);
            out.writeVarLong(zigzag(d.lastShareAt.getEpochSecond()));
            out.writeVarLong(d.lastShareAt.getNano());
        }
        rows.add(out.toByteArray());
        return rows;
    }

    static void decodeInto(byte[] row, Map<String, Delta> into) throws SQLException {
        if (row.length == 0) {
            throw new SQLException("worker_stats_journal row is empty");
        }
        switch (row[0]) {
            case FORMAT_1 -> decodeFormat1(row, into);
            case FORMAT_2 -> decodeFormat2(row, into);
            default -> throw new SQLException("worker_stats_journal row in unknown format " + (row[0] & 0xff));
        }
    }

    private static void decodeFormat2(byte[] row, Map<String, Delta> into) throws SQLException {
        RowReader in = new RowReader(row, 1);
        try {
            while (in.hasMore()) {
                int length = Math.toIntExact(in.readVarLong());
                String worker = in.readUtf8(length);
                long shares = in.readVarLong();
                double sum = in.readDouble();
                Instant last = Instant.ofEpochSecond(unzigzag(in.readVarLong()), in.readVarLong());
                into.computeIfAbsent(worker, w -> new Delta(ShareRecord.userOf(w), last)).add(shares, sum, last);
            }
        } catch (IndexOutOfBoundsException | ArithmeticException | java.time.DateTimeException e) {
            throw new SQLException("worker_stats_journal row is truncated or corrupt: " + e, e);
        }
    }

    private static void decodeFormat1(byte[] row, Map<String, Delta> into) throws SQLException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(row, 1, row.length - 1))) {
            while (in.available() > 0) {
                String worker = in.readUTF();
                String user = in.readUTF();
                long shares = in.readLong();
                double sum = in.readDouble();
                Instant last = Instant.ofEpochSecond(in.readLong(), in.readInt());
                into.computeIfAbsent(worker, w -> new Delta(user, last)).add(shares, sum, last);
            }
        } catch (IOException e) {
            throw new SQLException("worker_stats_journal row is truncated: " + e.getMessage(), e);
        }
    }

    private static long zigzag(long n) {
        return (n << 1) ^ (n >> 63);
    }

    private static long unzigzag(long n) {
        return (n >>> 1) ^ -(n & 1);
    }

    /** A growable byte array with the few writes format 2 needs. */
    private static final class RowWriter {
        private byte[] buf;
        private int size;

        RowWriter(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        int size() {
            return size;
        }

        private void ensure(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        void writeByte(int b) {
            ensure(1);
            buf[size++] = (byte) b;
        }

        void write(byte[] bytes) {
            ensure(bytes.length);
            System.arraycopy(bytes, 0, buf, size, bytes.length);
            size += bytes.length;
        }

        /** Unsigned LEB128: seven bits a byte, low first. */
        void writeVarLong(long n) {
            ensure(10);
            while ((n & ~0x7FL) != 0) {
                buf[size++] = (byte) ((n & 0x7F) | 0x80);
                n >>>= 7;
            }
            buf[size++] = (byte) n;
        }

        void writeDouble(double d) {
            ensure(8);
            long bits = Double.doubleToRawLongBits(d);
            for (int shift = 56; shift >= 0; shift -= 8) {
                buf[size++] = (byte) (bits >>> shift);
            }
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, size);
        }
    }

    private static final class RowReader {
        private final byte[] buf;
        private int pos;

        RowReader(byte[] buf, int pos) {
            this.buf = buf;
            this.pos = pos;
        }

        boolean hasMore() {
            return pos < buf.length;
        }

        private byte next() {
            if (pos >= buf.length) {
                throw new IndexOutOfBoundsException("row ends at byte " + pos);
            }
            return buf[pos++];
        }

        long readVarLong() {
            long n = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = next();
                n |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return n;
                }
            }
            throw new ArithmeticException("varint longer than 10 bytes at byte " + pos);
        }

        double readDouble() {
            long bits = 0;
            for (int i = 0; i < 8; i++) {
                bits = (bits << 8) | (next() & 0xFF);
            }
            return Double.longBitsToDouble(bits);
        }

        String readUtf8(int length) {
            if (length < 0 || length > buf.length - pos) {
                throw new IndexOutOfBoundsException("name of " + length + " bytes past the row's end at byte " + pos);
            }
            String s = new String(buf, pos, length, StandardCharsets.UTF_8);
            pos += length;
            return s;
        }
    }

    /**
     * Adds every journal row committed so far to {@code worker_stats} and deletes them, in one
     * transaction on {@code connection} (left in auto-commit afterwards).
     *
     * @return how many journal rows were folded
     */
    static int fold(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        try {
            try (PreparedStatement lock = connection.prepareStatement(
                    "SELECT folded_rows FROM worker_stats_fold WHERE id = 1 FOR UPDATE");
                    ResultSet rs = lock.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("worker_stats_fold has no row (migration V26 not applied?)");
                }
            }
            List<Long> ids = new ArrayList<>();
            Map<String, Delta> deltas = new HashMap<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, deltas FROM worker_stats_journal ORDER BY id");
                    ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                    decodeInto(rs.getBytes(2), deltas);
                }
            }
            if (ids.isEmpty()) {
                connection.rollback();
                return 0;
            }
            apply(connection, deltas);
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM worker_stats_journal WHERE id = ?")) {
                for (long id : ids) {
                    delete.setLong(1, id);
                    delete.addBatch();
                }
                delete.executeBatch();
            }
            try (PreparedStatement count = connection.prepareStatement(
                    "UPDATE worker_stats_fold SET folded_rows = folded_rows + ? WHERE id = 1")) {
                count.setLong(1, ids.size());
                count.executeUpdate();
            }
            connection.commit();
            return ids.size();
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException | RuntimeException r) {
                e.addSuppressed(r);
            }
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /** Update first, insert the workers that had no row: plain SQL every database runs. */
    private static void apply(Connection connection, Map<String, Delta> deltas) throws SQLException {
        List<Map.Entry<String, Delta>> entries = new ArrayList<>(deltas.entrySet());
        int[] updated;
        try (PreparedStatement update = connection.prepareStatement(UPDATE_WORKER_STATS)) {
            for (Map.Entry<String, Delta> e : entries) {
                Delta d = e.getValue();
                update.setLong(1, d.shares);
                update.setDouble(2, d.sumDifficulty);
                update.setObject(3, Ledger.utc(d.lastShareAt));
                update.setString(4, e.getKey());
                update.addBatch();
            }
            updated = update.executeBatch();
        }
        boolean anyNew = false;
        try (PreparedStatement insert = connection.prepareStatement(INSERT_WORKER_STATS)) {
            for (int i = 0; i < entries.size(); i++) {
                if (updated[i] == 0) {
                    Delta d = entries.get(i).getValue();
                    insert.setString(1, entries.get(i).getKey());
                    insert.setString(2, d.user);
                    insert.setLong(3, d.shares);
                    insert.setDouble(4, d.sumDifficulty);
                    insert.setObject(5, Ledger.utc(d.lastShareAt));
                    insert.addBatch();
                    anyNew = true;
                }
            }
            if (anyNew) {
                insert.executeBatch();
            }
        }
    }
}
