package org.templar.payout;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.payout.scheme.ExactWeight;
import org.templar.payout.scheme.WindowWalk;
import org.templar.payout.scheme.WindowWeights;

/**
 * The newest pool-mode shares held in memory, in columns sorted by id, so a PPLNS settlement or a
 * TIDES plan over a million shares reads almost nothing from the database ({@link
 * PayoutLedger#windowWeightsEndingAt}, {@link PayoutLedger#windowWeightsUpToShare} ask here first).
 * One per {@link Ledger}; it starts on the first window asked for, and until its first load is done
 * the database answers.
 *
 * <p><b>Fed by id.</b> It holds every pool share from its {@code floor} id upward that it has seen
 * committed, and reads {@code shares WHERE id > ?} (all payout modes, so solo ids are seen too and
 * leave no gap) after the writer commits a batch (at most one read at a time, at most every
 * {@link #FEED_INTERVAL_NANOS}), every second anyway (other instances' writers tell it nothing), and
 * once more at the start of every window asked for, so an answer counts every share committed
 * before it was asked.
 *
 * <p><b>Ids commit out of order.</b> Several instances write to one PostgreSQL, each with its own
 * writer, so a batch holding lower ids may commit after higher ids were read; a rolled-back batch
 * (or a sequence cache) leaves ids that never commit. Ids missing between ids seen are kept as open
 * gaps, and each read starts at the oldest open gap, so a late commit is read. A gap is closed, taken
 * as ids that will never commit, {@link #gapTimeout} after it was first seen. This is correct as long
 * as <em>a writer's batch commits within the gap timeout after drawing its ids</em> (the writer draws
 * them in its INSERT and commits straight after; a batch slower than that is a database in trouble).
 * In the first load, which walks down from the newest id, a gap is seen only then and may be old: a
 * gap below a share submitted more than twice the timeout ago is closed at once, because its ids were
 * drawn before that share's (ids only grow), that share was written within the timeout of its
 * submission (the same assumption; clocks of the instances agreeing to well within the timeout), and
 * the gap's batch would have committed within the timeout after that.
 *
 * <p><b>Bounded.</b> Shares are kept back from the newest until their difficulty adds up to
 * {@link #RETAIN_FACTOR} times the longest window asked for; older ones are dropped (the floor moves
 * up). Shares compacted by {@link ShareRetention} (ids up to its {@code max_compacted_id}) and ids
 * below the table's lowest are dropped too, since the database no longer holds them.
 *
 * <p><b>Exact or nothing.</b> A window is answered only when the walk back from its newest share
 * fills it before reaching the floor, or the floor is at the table's lowest share id (nothing older
 * exists); then the result equals the database's bit for bit ({@link WindowWalk}: the steps of
 * {@code ShareWindows.lastN}). Otherwise, or while loading, or when the database cannot be read,
 * the caller reads the database as before. A bound time that is not a whole microsecond is left to
 * the database too: the column holds microseconds, and H2 and PostgreSQL compare such a bound
 * differently (PostgreSQL rounds it). Shares are taken as immutable once committed, as the ledger
 * treats them: a row changed in place is not read again.
 */
final class RollingShareWindow implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RollingShareWindow.class);

    static final Duration DEFAULT_GAP_TIMEOUT = Duration.ofSeconds(60);
    /** Shares kept: this many times the longest window asked for (a block settled late reads past newer shares). */
    static final int RETAIN_FACTOR = 3;
    static final long FEED_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long IDLE_FEED_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int PAGE = 10_000;
    /** Below this many account names the index is never renumbered. */
    static final int MIN_ACCOUNT_NAMES = 1_024;
    private static final long NONE = Long.MIN_VALUE;
    private static final String COLUMNS = "SELECT id, user_name, share_difficulty, revenue_weight, submitted_at, payout_mode FROM shares ";

    private record Gap(long lo, long hi, long seenNanos) {}

    private final Ledger ledger;
    private final Duration gapTimeout;

    // Guarded by this.
    private long[] ids = new long[0];
    private long[] micros = new long[0];
    private int[] accounts = new int[0];
    private double[] difficulties = new double[0];
    private double[] weights = new double[0];
    private int start;
    private int end;
    private final Map<String, Integer> accountIndex = new HashMap<>();
    private final List<String> accountNames = new ArrayList<>();
    private double heldDifficulty;
    private double retainLength;
    /** The highest id read, NONE before the first read. */
    private long maxSeen = NONE;
    /** Every pool share with an id at or above it, committed and not in an open gap, is held. */
    private long floor = NONE;
    /** Submitted time of the share at {@link #floor} (the first load's gap rule), NONE if unknown. */
    private long floorMicros = NONE;
    /** Nothing older to load: the first load reached the bottom of the table (or of what compaction left). */
    private boolean reachedBottom;
    /** Ids below it are compacted or deleted: never held. */
    private long bottom = NONE;
    /** The table's lowest id at the last read (Long.MAX_VALUE when empty). */
    private long lowestId = Long.MAX_VALUE;
    private final TreeMap<Long, Gap> gaps = new TreeMap<>();
    private boolean seeded;
    private volatile boolean loaded;

    // The feeder.
    private volatile boolean started;
    private volatile boolean closed;
    private volatile boolean committed;
    private Thread feeder;

    RollingShareWindow(Ledger ledger, Duration gapTimeout) {
        this.ledger = ledger;
        this.gapTimeout = gapTimeout;
    }

    /** A writer committed a batch: read it soon. Called on a writer thread, by several at once; never blocks. */
    void sharesCommitted() {
        if (started && !closed) {
            committed = true;
            LockSupport.unpark(feeder);
        }
    }

    /**
     * PPLNS's window ({@link PayoutLedger#windowWeightsEndingAt}), or empty when this window cannot
     * answer it exactly (the database must).
     */
    synchronized Optional<WindowWeights> endingAt(Instant upTo, ExactWeight length) {
        use(length);
        if (!loaded || upTo.getNano() % 1_000 != 0) {
            return Optional.empty();
        }
        long upToMicros;
        try {
            upToMicros = Math.addExact(Math.multiplyExact(upTo.getEpochSecond(), 1_000_000L), upTo.getNano() / 1_000);
        } catch (ArithmeticException e) {
            return Optional.empty();
        }
        return answer(upToMicros, Long.MAX_VALUE, length);
    }

    /** TIDES's window ({@link PayoutLedger#windowWeightsUpToShare}), or empty when the database must answer. */
    synchronized Optional<WindowWeights> upToShare(long lastShareId, ExactWeight length) {
        use(length);
        return loaded ? answer(Long.MAX_VALUE, lastShareId, length) : Optional.empty();
    }

    /**
     * The id of the newest pool-mode share committed ({@link PayoutLedger#lastPoolShareId}: where a
     * TIDES window ends), or empty when the database must answer: not loaded, or no pool share held.
     * (H2 answers {@code MAX(id) ... WHERE payout_mode = 'pool'} by scanning the table.)
     */
    synchronized OptionalLong newestPoolShareId() {
        if (!loaded) {
            return OptionalLong.empty();
        }
        if (!caughtUp()) {
            return OptionalLong.empty();
        }
        return end > start ? OptionalLong.of(ids[end - 1]) : OptionalLong.empty();
    }

    /**
     * Starts the window if it has not started, and waits up to {@code wait} until it is loaded back as
     * far as windows up to {@code longestWindow} need.
     */
    boolean awaitLoaded(ExactWeight longestWindow, Duration wait) throws InterruptedException {
        use(longestWindow);
        long deadline = System.nanoTime() + wait.toNanos();
        while (!holdsRetainLength() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return holdsRetainLength();
    }

    /** Loaded, and back as far as the longest window asked for needs (or to the bottom of the table). */
    private synchronized boolean holdsRetainLength() {
        return loaded && !needsOlder();
    }

    @Override
    public void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = feeder;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized void use(ExactWeight length) {
        retainLength = Math.max(retainLength, RETAIN_FACTOR * length.doubleValue());
        if (!started && !closed) {
            started = true;
            feeder = new Thread(this::feed, "templar-share-window");
            feeder.setDaemon(true); // as the writer: close() is the orderly way out
            feeder.start();
        }
    }

    private synchronized Optional<WindowWeights> answer(long upToMicros, long upToId, ExactWeight length) {
        if (!caughtUp()) {
            return Optional.empty();
        }
        WindowWalk walk = new WindowWalk(length, accountNames.size(), accountNames::get);
        int i = end - 1;
        if (upToId != Long.MAX_VALUE) {
            int at = Arrays.binarySearch(ids, start, end, upToId);
            i = at >= 0 ? at : -at - 2;
        }
        for (; i >= start && !walk.full(); i--) {
            if (micros[i] <= upToMicros) {
                walk.take(accounts[i], difficulties[i], weights[i]);
            }
        }
        if (!walk.full() && floor > lowestId) {
            return Optional.empty(); // the window reaches below what is held, and the table has older shares
        }
        return Optional.of(walk.taken() == 0 ? WindowWeights.EMPTY : walk.weights());
    }

    /** The synchronous read before an answer: false when the database cannot be read (it answers, or fails, itself). */
    private boolean caughtUp() {
        try {
            catchUp();
            return true;
        } catch (LedgerException e) {
            log.debug("share window not read, the database answers: {}", e.getMessage());
            return false;
        }
    }

    // ---------------------------------------------------------------- the feeder

    private void feed() {
        long lastRead = System.nanoTime() - IDLE_FEED_NANOS;
        boolean failing = false;
        while (!closed) {
            boolean loading;
            synchronized (this) {
                loading = !seeded || needsOlder();
            }
            long idle = System.nanoTime() - lastRead;
            if (!loading) {
                if (!committed && idle < IDLE_FEED_NANOS) {
                    LockSupport.parkNanos(IDLE_FEED_NANOS - idle);
                    continue;
                }
                if (idle < FEED_INTERVAL_NANOS) {
                    LockSupport.parkNanos(FEED_INTERVAL_NANOS - idle); // coalesce: one read per interval at most
                    continue;
                }
            }
            try {
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    if (!seeded || idle >= FEED_INTERVAL_NANOS) {
                        committed = false;
                        lastRead = System.nanoTime();
                        catchUp();
                    }
                    if (needsOlder()) {
                        loadOlderPage(); // one page, then the lock is free for a window asked meanwhile
                    } else {
                        loaded = true;
                        trim();
                        forgetDroppedAccounts();
                    }
                }
                failing = false;
            } catch (RuntimeException e) {
                if (!failing && !closed) { // a ledger closing under the feeder is no failure
                    log.warn("cannot read the share window (the database answers until it can): {}", e.getMessage());
                }
                failing = true;
                LockSupport.parkNanos(IDLE_FEED_NANOS);
            }
        }
    }

    private boolean needsOlder() {
        return !reachedBottom && heldDifficulty < retainLength;
    }

    // ---------------------------------------------------------------- reading

    /** Reads what was committed since the last read, from the oldest open gap on, and what was compacted. */
    private void catchUp() {
        ledger.requireOpen();
        long nowNanos = System.nanoTime();
        gaps.values().removeIf(g -> nowNanos - g.seenNanos() > gapTimeout.toNanos());
        try (Connection c = ledger.dataSource().getConnection()) {
            if (!seeded) {
                seed(c);
            }
            long from = gaps.isEmpty() ? maxSeen : gaps.firstKey() - 1;
            try (PreparedStatement q = c.prepareStatement(COLUMNS + "WHERE id > ? ORDER BY id FETCH FIRST " + PAGE + " ROWS ONLY")) {
                int rows;
                do {
                    q.setLong(1, from);
                    rows = 0;
                    try (ResultSet rs = q.executeQuery()) {
                        while (rs.next()) {
                            from = rs.getLong(1);
                            addNewer(from, rs, nowNanos);
                            rows++;
                        }
                    }
                } while (rows == PAGE);
            }
            try (PreparedStatement q = c.prepareStatement("SELECT (SELECT max_compacted_id FROM share_retention WHERE id = 1), "
                    + "(SELECT id FROM shares ORDER BY id FETCH FIRST 1 ROW ONLY)");
                    ResultSet rs = q.executeQuery()) {
                rs.next();
                long compacted = rs.getLong(1);
                long compactedBelow = rs.wasNull() || compacted <= 0 ? NONE : compacted + 1;
                long lowest = rs.getLong(2);
                boolean empty = rs.wasNull();
                lowestId = empty ? Long.MAX_VALUE : lowest;
                // An empty table holds nothing up to the newest id read.
                dropBelow(Math.max(compactedBelow, empty ? (maxSeen == NONE ? NONE : maxSeen + 1) : lowest));
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot read the share window: " + e.getMessage(), e);
        }
    }

    /** The first read: where the table ends now. The first load walks down from there. */
    private void seed(Connection c) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT id FROM shares ORDER BY id DESC FETCH FIRST 1 ROW ONLY");
                ResultSet rs = q.executeQuery()) {
            if (rs.next()) {
                maxSeen = rs.getLong(1);
                floor = maxSeen + 1;
            } else {
                reachedBottom = true; // empty: everything to come is read upward
            }
        }
        seeded = true;
    }

    /** One row read upward (ids ascending). */
    private void addNewer(long id, ResultSet rs, long nowNanos) throws SQLException {
        if (maxSeen == NONE || id > maxSeen) {
            long lo = maxSeen == NONE ? Math.max(NONE + 1, floor) : maxSeen + 1; // the first share of an empty table too
            if (id > lo) {
                gaps.put(lo, new Gap(lo, id - 1, nowNanos));
            }
            maxSeen = id;
            if (isPool(rs)) {
                insert(end, id, rs);
            }
            return;
        }
        if (id < floor) {
            return; // not loaded yet (the first load reads it) or dropped
        }
        Map.Entry<Long, Gap> e = gaps.floorEntry(id);
        if (e == null || e.getValue().hi() < id) {
            return; // held already
        }
        Gap g = e.getValue();
        gaps.remove(g.lo());
        if (g.lo() < id) {
            gaps.put(g.lo(), new Gap(g.lo(), id - 1, g.seenNanos()));
        }
        if (id < g.hi()) {
            gaps.put(id + 1, new Gap(id + 1, g.hi(), g.seenNanos()));
        }
        if (isPool(rs)) {
            int at = Arrays.binarySearch(ids, start, end, id);
            insert(-at - 1, id, rs);
        }
    }

    /** One page of the first load (or of a longer window's), newest first below the floor. */
    private void loadOlderPage() {
        long recentMicros = toMicros(Instant.now().minus(gapTimeout.multipliedBy(2)));
        long nowNanos = System.nanoTime();
        try (Connection c = ledger.dataSource().getConnection();
                PreparedStatement q = c.prepareStatement(COLUMNS + "WHERE id < ? AND id >= ? ORDER BY id DESC FETCH FIRST "
                        + PAGE + " ROWS ONLY")) {
            q.setLong(1, floor);
            q.setLong(2, bottom);
            int rows = 0;
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    if (id < floor - 1 && (floorMicros == NONE || floorMicros >= recentMicros)) {
                        gaps.put(id + 1, new Gap(id + 1, floor - 1, nowNanos));
                    }
                    if (isPool(rs)) {
                        insert(start, id, rs);
                    }
                    floor = id;
                    floorMicros = toMicros(Ledger.instant(rs, 5));
                    rows++;
                }
            }
            if (rows < PAGE) {
                long lo = bottom == NONE ? NONE + 1 : bottom;
                if (floor > lo && (floorMicros == NONE || floorMicros >= recentMicros)) {
                    gaps.put(lo, new Gap(lo, floor - 1, nowNanos)); // ids below the oldest may still be in flight
                }
                reachedBottom = true;
                floor = bottom;
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot load the share window: " + e.getMessage(), e);
        }
    }

    private static boolean isPool(ResultSet rs) throws SQLException {
        return ShareRecord.POOL.equals(rs.getString(6));
    }

    private static long toMicros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    // ---------------------------------------------------------------- the columns

    private void insert(int at, long id, ResultSet rs) throws SQLException {
        String account = rs.getString(2);
        Integer index = accountIndex.get(account);
        if (index == null) {
            index = accountNames.size();
            accountNames.add(account);
            accountIndex.put(account, index);
        }
        double difficulty = rs.getDouble(3);
        int offset = at - start;
        boolean front = offset == 0; // the first load adds below, and an empty window adds anywhere
        if (front ? start == 0 : end == ids.length) {
            grow();
            at = start + offset;
        }
        if (front) {
            at = --start;
        } else {
            System.arraycopy(ids, at, ids, at + 1, end - at); // a late commit: near the newest end, a short move
            System.arraycopy(micros, at, micros, at + 1, end - at);
            System.arraycopy(accounts, at, accounts, at + 1, end - at);
            System.arraycopy(difficulties, at, difficulties, at + 1, end - at);
            System.arraycopy(weights, at, weights, at + 1, end - at);
            end++;
        }
        ids[at] = id;
        micros[at] = toMicros(Ledger.instant(rs, 5));
        accounts[at] = index;
        difficulties[at] = difficulty;
        weights[at] = rs.getDouble(4);
        heldDifficulty += difficulty;
    }

    /** Twice the room, the shares in the middle: room to add at both ends. */
    private void grow() {
        int size = end - start;
        int capacity = Math.max(64, size * 2 + 2);
        int newStart = (capacity - size) / 2;
        ids = moved(ids, capacity, newStart);
        micros = moved(micros, capacity, newStart);
        accounts = moved(accounts, capacity, newStart);
        difficulties = moved(difficulties, capacity, newStart);
        weights = moved(weights, capacity, newStart);
        start = newStart;
        end = newStart + size;
    }

    private long[] moved(long[] a, int capacity, int newStart) {
        long[] b = new long[capacity];
        System.arraycopy(a, start, b, newStart, end - start);
        return b;
    }

    private int[] moved(int[] a, int capacity, int newStart) {
        int[] b = new int[capacity];
        System.arraycopy(a, start, b, newStart, end - start);
        return b;
    }

    private double[] moved(double[] a, int capacity, int newStart) {
        double[] b = new double[capacity];
        System.arraycopy(a, start, b, newStart, end - start);
        return b;
    }

    /** Drops the oldest shares while the rest still hold the retain length. */
    private void trim() {
        long dropped = NONE;
        while (end - start > 1 && heldDifficulty - difficulties[start] >= retainLength) {
            heldDifficulty -= difficulties[start];
            dropped = ids[start];
            start++;
        }
        if (dropped != NONE) {
            raiseFloor(dropped + 1);
            reachedBottom = false;
            floorMicros = NONE;
        }
    }

    /**
     * Forgets the names of accounts none of the held shares has, once there are more than twice as
     * many names as held shares: the shares are dropped from the old end, but their account index
     * would stay, and a miner authorizing a fresh name for every share would grow it for as long as
     * the pool runs. Bounded this way by the window's own size, at a cost of one pass over the held
     * shares per that many new names.
     */
    private void forgetDroppedAccounts() {
        int names = accountNames.size();
        if (names <= MIN_ACCOUNT_NAMES || names <= 2L * (end - start)) {
            return;
        }
        int[] renumbered = new int[names];
        Arrays.fill(renumbered, -1);
        List<String> kept = new ArrayList<>();
        accountIndex.clear();
        for (int i = start; i < end; i++) {
            int old = accounts[i];
            if (renumbered[old] < 0) {
                renumbered[old] = kept.size();
                kept.add(accountNames.get(old));
                accountIndex.put(accountNames.get(old), renumbered[old]);
            }
            accounts[i] = renumbered[old];
        }
        accountNames.clear();
        accountNames.addAll(kept);
    }

    /** How many account names the window knows (tests: the index stays bounded). */
    synchronized int accountNames() {
        return accountNames.size();
    }

    /** Compacted or deleted ids: the database no longer holds them, so neither does the window. */
    private void dropBelow(long id) {
        bottom = Math.max(bottom, id);
        while (start < end && ids[start] < id) {
            heldDifficulty -= difficulties[start];
            start++;
        }
        if (floor < id) {
            raiseFloor(id);
        }
    }

    private void raiseFloor(long id) {
        floor = Math.max(floor, id);
        while (!gaps.isEmpty() && gaps.firstKey() < floor) {
            Gap g = gaps.pollFirstEntry().getValue();
            if (g.hi() >= floor) {
                gaps.put(floor, new Gap(floor, g.hi(), g.seenNanos()));
                break;
            }
        }
    }
}
