package org.templar.payout;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.templar.payout.scheme.ExactWeight;
import org.templar.payout.scheme.PayoutScheme;
import org.templar.payout.scheme.Pplns;
import org.templar.payout.scheme.Tides;

/**
 * Keeps the {@code shares} table bounded: shares that can no longer matter to any payout are folded
 * into {@code share_aggregates} (one row per worker, payout mode, template source and hour: count,
 * difficulty, weighted difficulty, best share, first/last id and time) and deleted, in one transaction
 * per batch.
 *
 * <p>Where the cut lies ({@link #cut()}): a share may go only when it is below every one of these
 * bounds, each of which exists because something would otherwise read a share that is gone.
 * <ul>
 *   <li><b>Age</b> ({@code ledger.retain_days}): nothing younger than the minimum age. It is the
 *       margin for what the other bounds cannot see: a network difficulty that rises (a later window
 *       reaching further back), shares committed out of id order by several instances, an operator
 *       looking at recent shares ({@link Ledger#sharesFor}), and the last day's figures
 *       ({@link Ledger#sumDifficultySince}), which are exact only on shares.</li>
 *   <li><b>The current window</b> (PPLNS, TIDES): the newest pool shares worth the scheme's factor x
 *       the network difficulty, counted back from the newest: the next block's distribution (and
 *       TIDES: every job's coinbase plan) reads exactly those.</li>
 *   <li><b>Blocks not yet settled</b>: every block that is not MATURE or ORPHANED (and a REJECTED one
 *       only while its TIDES credits stand) keeps its own window: PPLNS credits it at its first
 *       confirmation from the shares up to its time, and {@code templar payouts verify} / export
 *       must be able to divide it again until it matures at 100 confirmations.</li>
 *   <li><b>PROP rounds</b>: the shares since the newest MATURE block found before the oldest unsettled
 *       block (or before now): any later block may still be orphaned, which moves the next round's
 *       start back to it.</li>
 *   <li><b>PPS/FPPS</b>: only shares already credited (ids up to the last {@code share_credit_batches}
 *       row); the others are still to be paid.</li>
 * </ul>
 * SOLO reads no share for payouts, so only the age bounds it. The window bounds are id bounds (the
 * windows are walked by id), the others time bounds; a share goes when its id is below the first and
 * its time below the second.
 *
 * <p>Safe to repeat and to interrupt: a batch's aggregate rows, its deletion and the horizon move in
 * one transaction (a share is in {@code shares} or in an aggregate, never both, never neither), and
 * each batch first locks the single {@code share_retention} row, so two instances compacting at once
 * take turns instead of folding the same shares twice. A batch that deletes other rows than it read
 * (a share committed into its range meanwhile) is rolled back.
 */
public final class ShareRetention {
    public static final Duration DEFAULT_MINIMUM_AGE = Duration.ofDays(7);
    /** The shortest minimum age accepted: the last day's figures read shares only. */
    public static final Duration SHORTEST_MINIMUM_AGE = Duration.ofDays(1);
    /** Share ids per batch (one transaction): large enough to amortize a commit, small enough to hold few locks. */
    static final int BATCH_IDS = 50_000;
    /** Aggregate rows cover one hour of a worker's shares. */
    static final long BUCKET_SECONDS = 3600;
    /** Window walks read this many ids and difficulties per query. */
    private static final int PAGE = 10_000;
    /**
     * Window walks add difficulties as doubles and stop a millionth past the window's length: keeping
     * a share or two too many is harmless; an exact sum would cost a BigInteger per share.
     */
    private static final double WALK_MARGIN = 1 + 1e-6;

    private final Ledger ledger;
    private final PayoutLedger payouts;
    private final PayoutScheme scheme;
    private final BlockTracker.ChainView chain;
    private final Duration minimumAge;

    /**
     * @param chain the network difficulty now and of each block (window lengths); a node that does
     *     not answer makes {@link #cut()} fail, and nothing is compacted
     * @param minimumAge no share younger than this is compacted, at least {@link #SHORTEST_MINIMUM_AGE}
     */
    public ShareRetention(Ledger ledger, PayoutScheme scheme, BlockTracker.ChainView chain, Duration minimumAge) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.payouts = new PayoutLedger(ledger);
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        this.chain = Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(minimumAge, "minimumAge");
        if (minimumAge.compareTo(SHORTEST_MINIMUM_AGE) < 0) {
            throw new IllegalArgumentException("shares must be kept at least " + SHORTEST_MINIMUM_AGE.toDays() + " day: " + minimumAge);
        }
        this.minimumAge = minimumAge;
    }

    /**
     * Where compaction may cut now: a share goes when its id is below {@code beforeId} and it was
     * accepted before {@code before}. The other fields are the bounds these are the least of ({@link
     * Long#MAX_VALUE} / empty: the scheme sets no such bound), for the operator's summary.
     *
     * @param windowFromId the oldest share of the current PPLNS/TIDES window
     * @param blocksFromId the oldest share of an unsettled block's window
     * @param roundFrom PROP: the start of the oldest round still needed
     * @param creditedThroughId PPS/FPPS: the newest share already credited
     * @param unsettledBlocks blocks whose shares are kept until they mature or are orphaned
     */
    public record Cut(long beforeId, Instant before, Instant ageBefore, long windowFromId, long blocksFromId,
            Optional<Instant> roundFrom, long creditedThroughId, int unsettledBlocks) {}

    /** What compaction has done so far (the single {@code share_retention} row). */
    public record Horizon(long compactedShares, long maxCompactedId, Optional<Instant> maxCompactedAt,
            Optional<Instant> lastRunAt) {
        /** Whether any share was ever compacted. */
        public boolean any() {
            return compactedShares > 0;
        }
    }

    /**
     * What one run did.
     *
     * @param done false when the time budget ran out with shares below the cut still to fold
     * @param sharesLeft rows in {@code shares} afterwards
     */
    public record Summary(Cut cut, long sharesCompacted, int batches, long aggregateRowsWritten, boolean done,
            long sharesLeft, Duration took, Horizon horizon) {
        public double sharesPerSecond() {
            long nanos = took.toNanos();
            return nanos == 0 ? 0 : sharesCompacted * 1e9 / nanos;
        }
    }

    /** Computes the cut and compacts up to it, for at most {@code budget} (checked between batches). */
    public Summary compact(Duration budget) {
        return compact(cut(), budget);
    }

    /** The horizon as the ledger records it. */
    public Horizon horizon() {
        return horizon(ledger);
    }

    static Horizon horizon(Ledger ledger) {
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT compacted_shares, max_compacted_id, max_compacted_at, "
                        + "last_run_at FROM share_retention WHERE id = 1");
                ResultSet rs = q.executeQuery()) {
            if (!rs.next()) {
                return new Horizon(0, 0, Optional.empty(), Optional.empty());
            }
            return new Horizon(rs.getLong(1), rs.getLong(2), Optional.ofNullable(Ledger.instant(rs, 3)),
                    Optional.ofNullable(Ledger.instant(rs, 4)));
        } catch (SQLException e) {
            throw new LedgerException("cannot read the share retention horizon: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- the cut

    public Cut cut() {
        ledger.requireOpen();
        Instant ageBefore = ledger.now().minus(minimumAge);
        double difficultyNow = chain.networkDifficulty();
        long windowFrom = Long.MAX_VALUE;
        long blocksFrom = Long.MAX_VALUE;
        Optional<Instant> roundFrom = Optional.empty();
        long credited = Long.MAX_VALUE;
        List<BlockRecord> unsettled = unsettledBlocks();
        try (Connection c = ledger.dataSource().getConnection()) {
            switch (scheme.kind()) {
                case PPLNS, TIDES -> {
                    windowFrom = windowStart(c, Long.MAX_VALUE, null, length(difficultyNow));
                    // Oldest first: a later block whose window is no longer than an earlier one's
                    // starts no earlier, so only windows longer than every older one are walked.
                    ExactWeight longest = ExactWeight.ZERO;
                    for (BlockRecord b : unsettled) {
                        Optional<PayoutLedger.PlanInputs> plan = scheme instanceof Tides
                                ? payouts.coinbasePlanInputs(b.hash()) : Optional.empty();
                        ExactWeight len = plan.isPresent() ? length(plan.get().networkDifficulty())
                                : length(Math.max(difficultyNow, chain.header(b.hash())
                                        .map(BlockTracker.ChainView.Header::difficulty).orElse(0.0)));
                        if (len.compareTo(longest) <= 0 && blocksFrom != Long.MAX_VALUE) {
                            continue;
                        }
                        longest = len.compareTo(longest) > 0 ? len : longest;
                        long start = plan.isPresent() ? windowStart(c, plan.get().windowLastShareId(), null, len)
                                : windowStart(c, Long.MAX_VALUE, b.foundAt(), len);
                        blocksFrom = Math.min(blocksFrom, start);
                    }
                }
                case PROP -> roundFrom = Optional.of(propRoundStart(c,
                        unsettled.isEmpty() ? ledger.now() : unsettled.get(0).foundAt()));
                case PPS, FPPS -> credited = lastCreditedShareId(c);
                default -> { } // SOLO divides no shares
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot find where to compact shares: " + e.getMessage(), e);
        }
        long beforeId = Math.min(windowFrom, blocksFrom);
        if (credited != Long.MAX_VALUE) {
            beforeId = Math.min(beforeId, credited + 1);
        }
        Instant before = roundFrom.filter(r -> r.isBefore(ageBefore)).orElse(ageBefore);
        return new Cut(beforeId, before, ageBefore, windowFrom, blocksFrom, roundFrom, credited, unsettled.size());
    }

    private ExactWeight length(double networkDifficulty) {
        if (scheme instanceof Pplns p) {
            return p.windowLength(networkDifficulty);
        }
        return ((Tides) scheme).windowLength(networkDifficulty);
    }

    /**
     * Blocks whose shares must stay, oldest first: every block not yet MATURE or ORPHANED, except a
     * REJECTED one without standing credits (the node refused it; only a TIDES block is credited
     * before the verdict, and its credits stand until the tracker gives them back).
     */
    private List<BlockRecord> unsettledBlocks() {
        List<BlockRecord> blocks = new ArrayList<>();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement("SELECT " + Ledger.BLOCK_COLUMNS + " FROM blocks b "
                        + "WHERE b.status IN ('CANDIDATE', 'SUBMITTED', 'STALE', 'ACCEPTED') OR (b.status = 'REJECTED' "
                        + "AND EXISTS (SELECT 1 FROM block_settlements s WHERE s.block_hash = b.block_hash AND s.state = 'CREDITED')) "
                        + "ORDER BY b.found_at, b.id")) {
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    blocks.add(Ledger.readBlock(rs));
                }
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot read the unsettled blocks: " + e.getMessage(), e);
        }
        return blocks;
    }

    /**
     * The id of the oldest pool share of a window: walking back by id from {@code upToId} (and, when
     * given, among shares accepted at or before {@code upToTime}, as {@link PayoutLedger#windowEndingAt}
     * reads), until the difficulty reaches {@code length}. The share that crosses the edge is part of
     * the window. With fewer shares than the window holds, the oldest pool share there is.
     */
    private long windowStart(Connection c, long upToId, Instant upToTime, ExactWeight length) throws SQLException {
        double needed = length.doubleValue() * WALK_MARGIN;
        double have = 0;
        long oldest = Long.MAX_VALUE;
        long below = upToId == Long.MAX_VALUE ? Long.MAX_VALUE : upToId + 1;
        try (PreparedStatement q = c.prepareStatement("SELECT id, share_difficulty FROM shares WHERE payout_mode = 'pool' "
                + "AND id < ?" + (upToTime != null ? " AND submitted_at <= ?" : "") + " ORDER BY id DESC FETCH FIRST "
                + PAGE + " ROWS ONLY")) {
            while (have < needed) {
                q.setLong(1, below);
                if (upToTime != null) {
                    q.setObject(2, Ledger.utc(upToTime));
                }
                int rows = 0;
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next() && have < needed) {
                        oldest = rs.getLong(1);
                        have += rs.getDouble(2);
                        rows++;
                    }
                }
                if (rows == 0) {
                    break;
                }
                below = oldest;
            }
        }
        // An empty window protects nothing yet; the shares before it are not in any window.
        return oldest == Long.MAX_VALUE ? firstShareIdAfter(c, upToId) : oldest;
    }

    /** With no pool share at or below a window's end: the next share id after it (nothing older is in the window). */
    private static long firstShareIdAfter(Connection c, long upToId) throws SQLException {
        if (upToId == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return Math.addExact(upToId, 1);
    }

    /** The newest MATURE block found before {@code before}: orphaning any later one moves a PROP round's start back to it. */
    private static Instant propRoundStart(Connection c, Instant before) throws SQLException {
        try (PreparedStatement q = c.prepareStatement(
                "SELECT MAX(found_at) FROM blocks WHERE status = 'MATURE' AND found_at < ?")) {
            q.setObject(1, Ledger.utc(before));
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                Instant t = Ledger.instant(rs, 1);
                return t == null ? Instant.EPOCH : t;
            }
        }
    }

    private static long lastCreditedShareId(Connection c) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT COALESCE(MAX(to_share_id), 0) FROM share_credit_batches");
                ResultSet rs = q.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ---------------------------------------------------------------- compaction

    /** Test seam: runs inside each batch's transaction after the aggregates are written, before the shares are deleted. */
    interface BatchHook {
        void afterAggregates(long fromId, long toId);
    }

    private BatchHook hook = (from, to) -> {};

    void hook(BatchHook hook) {
        this.hook = Objects.requireNonNull(hook, "hook");
    }

    /** Compacts every share below {@code cut}, batch by batch, for at most {@code budget}. */
    public Summary compact(Cut cut, Duration budget) {
        Objects.requireNonNull(cut, "cut");
        Objects.requireNonNull(budget, "budget");
        long started = System.nanoTime();
        long compacted = 0;
        long aggregateRows = 0;
        int batches = 0;
        boolean done = false;
        long from = Long.MIN_VALUE;
        while (true) {
            if (System.nanoTime() - started > budget.toNanos()) {
                break;
            }
            Batch b = batch(cut, from);
            if (b == null) {
                done = true;
                break;
            }
            batches++;
            compacted += b.shares();
            aggregateRows += b.aggregateRows();
            from = b.toId();
            if (b.shares() == 0) {
                // The range's shares are all younger than the cut's time: the shares after it, written
                // later, are too (up to a few out of order, which the next run takes).
                done = true;
                break;
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        return new Summary(cut, compacted, batches, aggregateRows, done, ledger.shareCount(), took, horizon());
    }

    private record Batch(long toId, long shares, long aggregateRows) {}

    private record Key(String worker, String payoutMode, String source, long bucket) {}

    private static final class Aggregate {
        String user;
        long shares;
        double sumDifficulty;
        double sumWeighted;
        double best;
        long candidates;
        long firstId = Long.MAX_VALUE;
        long lastId = Long.MIN_VALUE;
        Instant firstAt;
        Instant lastAt;
    }

    /** One batch in one transaction; null when no share is left below the cut's id. */
    private Batch batch(Cut cut, long from) {
        ledger.requireOpen();
        try (Connection c = ledger.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                Batch b = batch(c, cut, from);
                c.commit();
                ledger.sync(c);
                return b;
            } catch (SQLException | RuntimeException e) {
                ledger.abandon(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw new LedgerException("share compaction batch failed, nothing changed: " + e.getMessage(), e);
        }
    }

    private Batch batch(Connection c, Cut cut, long from) throws SQLException {
        long compactedBefore;
        long maxId;
        Instant maxAt;
        try (PreparedStatement lock = c.prepareStatement(
                "SELECT compacted_shares, max_compacted_id, max_compacted_at FROM share_retention WHERE id = 1 FOR UPDATE");
                ResultSet rs = lock.executeQuery()) {
            if (!rs.next()) {
                throw new LedgerException("the share_retention row is missing (migration V22)");
            }
            compactedBefore = rs.getLong(1);
            maxId = rs.getLong(2);
            maxAt = Ledger.instant(rs, 3);
        }
        long lo;
        // Not MIN(id): H2 aggregates every row from there on instead of taking the index's first entry.
        try (PreparedStatement q = c.prepareStatement("SELECT id FROM shares WHERE id >= ? ORDER BY id FETCH FIRST 1 ROW ONLY")) {
            q.setLong(1, from);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                lo = rs.getLong(1);
                if (lo >= cut.beforeId()) {
                    return null;
                }
            }
        }
        long hi = Math.min(cut.beforeId(), lo + BATCH_IDS);
        Map<Key, Aggregate> groups = new HashMap<>();
        long read = 0;
        try (PreparedStatement q = c.prepareStatement("SELECT worker, user_name, payout_mode, template_source, share_difficulty, "
                + "revenue_weight, achieved_difficulty, block_candidate, id, submitted_at FROM shares "
                + "WHERE id >= ? AND id < ? AND submitted_at < ?")) {
            q.setLong(1, lo);
            q.setLong(2, hi);
            q.setObject(3, Ledger.utc(cut.before()));
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    Instant at = Ledger.instant(rs, 10);
                    long bucket = Math.floorDiv(at.getEpochSecond(), BUCKET_SECONDS) * BUCKET_SECONDS;
                    Aggregate a = groups.computeIfAbsent(new Key(rs.getString(1), rs.getString(3), rs.getString(4), bucket),
                            k -> new Aggregate());
                    double difficulty = rs.getDouble(5);
                    a.user = rs.getString(2);
                    a.shares++;
                    a.sumDifficulty += difficulty;
                    a.sumWeighted += difficulty * rs.getDouble(6);
                    a.best = Math.max(a.best, rs.getDouble(7));
                    a.candidates += rs.getBoolean(8) ? 1 : 0;
                    long id = rs.getLong(9);
                    a.firstId = Math.min(a.firstId, id);
                    a.lastId = Math.max(a.lastId, id);
                    a.firstAt = a.firstAt == null || at.isBefore(a.firstAt) ? at : a.firstAt;
                    a.lastAt = a.lastAt == null || at.isAfter(a.lastAt) ? at : a.lastAt;
                    maxId = Math.max(maxId, id);
                    maxAt = maxAt == null || at.isAfter(maxAt) ? at : maxAt;
                    read++;
                }
            }
        }
        if (read > 0) {
            writeAggregates(c, groups);
        }
        hook.afterAggregates(lo, hi);
        if (read > 0) {
            try (PreparedStatement delete = c.prepareStatement(
                    "DELETE FROM shares WHERE id >= ? AND id < ? AND submitted_at < ?")) {
                delete.setLong(1, lo);
                delete.setLong(2, hi);
                delete.setObject(3, Ledger.utc(cut.before()));
                int deleted = delete.executeUpdate();
                if (deleted != read) {
                    // A share committed into the range between the read and the delete: it would be
                    // gone without being counted. Roll back; the next run reads it.
                    throw new LedgerException("shares " + lo + ".." + (hi - 1) + " changed during compaction (read " + read
                            + ", deleting " + deleted + "); rolled back");
                }
            }
        }
        try (PreparedStatement update = c.prepareStatement("UPDATE share_retention SET compacted_shares = ?, "
                + "max_compacted_id = ?, max_compacted_at = ?, last_run_at = ? WHERE id = 1")) {
            update.setLong(1, compactedBefore + read);
            update.setLong(2, maxId);
            update.setObject(3, maxAt == null ? null : Ledger.utc(maxAt));
            update.setObject(4, Ledger.utc(ledger.now()));
            update.executeUpdate();
        }
        return new Batch(hi, read, groups.size());
    }

    /** Adds each group to its aggregate row, or makes the row. The lock on share_retention keeps this race-free. */
    private static void writeAggregates(Connection c, Map<Key, Aggregate> groups) throws SQLException {
        List<Map.Entry<Key, Aggregate>> entries = new ArrayList<>(groups.entrySet());
        int[] updated;
        try (PreparedStatement update = c.prepareStatement("UPDATE share_aggregates SET shares = shares + ?, "
                + "sum_difficulty = sum_difficulty + ?, sum_weighted_difficulty = sum_weighted_difficulty + ?, "
                + "best_difficulty = GREATEST(best_difficulty, ?), block_candidates = block_candidates + ?, "
                + "first_share_id = LEAST(first_share_id, ?), last_share_id = GREATEST(last_share_id, ?), "
                + "first_share_at = LEAST(first_share_at, ?), last_share_at = GREATEST(last_share_at, ?) "
                + "WHERE worker = ? AND payout_mode = ? AND template_source = ? AND bucket_start = ?")) {
            for (Map.Entry<Key, Aggregate> e : entries) {
                Key k = e.getKey();
                Aggregate a = e.getValue();
                update.setLong(1, a.shares);
                update.setDouble(2, a.sumDifficulty);
                update.setDouble(3, a.sumWeighted);
                update.setDouble(4, a.best);
                update.setLong(5, a.candidates);
                update.setLong(6, a.firstId);
                update.setLong(7, a.lastId);
                update.setObject(8, Ledger.utc(a.firstAt));
                update.setObject(9, Ledger.utc(a.lastAt));
                update.setString(10, k.worker());
                update.setString(11, k.payoutMode());
                update.setString(12, k.source());
                update.setObject(13, Ledger.utc(Instant.ofEpochSecond(k.bucket())));
                update.addBatch();
            }
            updated = update.executeBatch();
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO share_aggregates (worker, payout_mode, template_source, "
                + "bucket_start, user_name, shares, sum_difficulty, sum_weighted_difficulty, best_difficulty, block_candidates, "
                + "first_share_id, last_share_id, first_share_at, last_share_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            int inserts = 0;
            for (int i = 0; i < entries.size(); i++) {
                if (updated[i] > 0) {
                    continue;
                }
                Key k = entries.get(i).getKey();
                Aggregate a = entries.get(i).getValue();
                insert.setString(1, k.worker());
                insert.setString(2, k.payoutMode());
                insert.setString(3, k.source());
                insert.setObject(4, Ledger.utc(Instant.ofEpochSecond(k.bucket())));
                insert.setString(5, a.user);
                insert.setLong(6, a.shares);
                insert.setDouble(7, a.sumDifficulty);
                insert.setDouble(8, a.sumWeighted);
                insert.setDouble(9, a.best);
                insert.setLong(10, a.candidates);
                insert.setLong(11, a.firstId);
                insert.setLong(12, a.lastId);
                insert.setObject(13, Ledger.utc(a.firstAt));
                insert.setObject(14, Ledger.utc(a.lastAt));
                insert.addBatch();
                inserts++;
            }
            if (inserts > 0) {
                insert.executeBatch();
            }
        }
    }
}
