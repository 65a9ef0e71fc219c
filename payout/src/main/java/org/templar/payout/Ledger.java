package org.templar.payout;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The pool's durable record of accepted shares and found blocks.
 *
 * <p>Shares go through {@link #recordShare}: a bounded queue, writer threads ({@link LedgerConfig#writers}:
 * one on H2, two on PostgreSQL), group commit. The
 * returned future completes only when the share is committed (and, for H2 with
 * {@link LedgerConfig#syncEachCommit()}, synced to the device), so "accepted" is only said of shares
 * that survive a crash. Futures complete on the writer thread: callers on a Netty event loop should
 * continue with {@code whenCompleteAsync(..., channel.eventLoop())} and never block in the callback.
 *
 * <p>Blocks are written synchronously by {@link #recordBlockCandidate}, on a connection of their own,
 * so a found block never waits behind a share backlog. The method blocks for one commit: call it off
 * the event loop, and submit the block to the nodes only after it returned.
 *
 * <p>Queries read committed data through the same pool and are meant for the admin CLI and tests.
 */
public final class Ledger implements ShareLedger, BlockLedger, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Ledger.class);
    /** Share ids H2 reserves at a time (see {@link #open}). */
    static final int H2_SHARE_ID_CACHE = 65_536;

    static {
        // H2 looks every value it is given up in one JVM-wide cache of recent values (hash, compare,
        // replace) so equal values share one object. Share hashes never repeat, and the lookups were
        // 12 % of the writer's samples; without them the H2 writer takes about a sixth less CPU per
        // share (docs/BENCHMARKS.md, "H2 2.5"). H2 reads the property once, when its first value is
        // made, which in the pool is behind Ledger.open. An operator's -Dh2.objectCache wins.
        if (System.getProperty("h2.objectCache") == null) {
            System.setProperty("h2.objectCache", "false");
        }
    }
    private static final long CLOSE_TIMEOUT_MILLIS = 30_000;
    /** How often the share batches' worker totals are folded into worker_stats (WorkerStatsJournal). */
    static final Duration FOLD_INTERVAL = Duration.ofSeconds(1);

    static final String SHARE_COLUMNS = "worker, user_name, worker_name, job_id, channel_id, share_difficulty, "
            + "achieved_difficulty, share_hash, block_candidate, payout_mode, submitted_at, revenue_weight, template_source";
    static final String BLOCK_COLUMNS = "height, block_hash, worker, user_name, reward_sats, "
            + "payout_destination, found_at, status, reason";

    private final LedgerConfig config;
    private final HikariDataSource dataSource;
    private final GroupCommitWriter writer;
    private final RollingShareWindow shareWindow;
    private final Clock clock;
    private final ScheduledExecutorService folder;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean foldFailing;

    private Ledger(LedgerConfig config, HikariDataSource dataSource, LedgerMetrics metrics, Clock clock) {
        this.config = config;
        this.dataSource = dataSource;
        this.clock = clock;
        this.writer = new GroupCommitWriter(dataSource, config.queueCapacity(), config.maxBatch(),
                config.isH2() && !config.isH2InMemory() && config.syncEachCommit(),
                config.jdbcUrl().startsWith("jdbc:postgresql:"), config.writers(), metrics);
        this.folder = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "templar-ledger-stats");
            t.setDaemon(true);
            return t;
        });
        this.shareWindow = new RollingShareWindow(this, RollingShareWindow.DEFAULT_GAP_TIMEOUT);
        writer.afterCommit(shareWindow::sharesCommitted);
    }

    /** Opens the database, migrates its schema to the latest version and starts the share writer. */
    public static Ledger open(LedgerConfig config) {
        return open(config, LedgerMetrics.NONE);
    }

    /** As {@link #open(LedgerConfig)}, reporting to {@code metrics}. */
    public static Ledger open(LedgerConfig config, LedgerMetrics metrics) {
        return open(config, metrics, FOLD_INTERVAL);
    }

    /** As {@link #open(LedgerConfig, LedgerMetrics)}, folding worker totals every {@code foldInterval}. */
    static Ledger open(LedgerConfig config, LedgerMetrics metrics, Duration foldInterval) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(metrics, "metrics");
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(hikariConfig(config)); // connects at once: fails fast
        } catch (RuntimeException e) {
            throw new LedgerException("cannot open ledger at " + config.jdbcUrl() + ": " + e.getMessage(), e);
        }
        try {
            if (config.isH2() && !config.isH2InMemory()) {
                try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                    // Also for hand-written H2 URLs: without it H2 2.x keeps commits in memory for up to
                    // 500 ms, and acknowledged shares would die with a killed process.
                    s.execute("SET WRITE_DELAY 0");
                }
            }
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
            if (config.isH2()) {
                try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                    // H2 hands out identity values from a cache of 32 and, each time it runs out, saves
                    // the sequence in a commit of its own: with WRITE_DELAY=0 a store of every page the
                    // writer's open batch had dirtied, 31 per batch of 1,000 shares, 40 % of the writer's
                    // time (docs/BENCHMARKS.md). H2's cache is one per database, so ids still follow the
                    // order rows are inserted in; a crash skips at most the cache's unused values. Not a
                    // migration: PostgreSQL caches per session, which would give each writer its own
                    // block of ids far from the time order every window reads.
                    s.execute("ALTER TABLE shares ALTER COLUMN id SET CACHE " + H2_SHARE_ID_CACHE);
                }
            }
        } catch (SQLException | RuntimeException e) {
            dataSource.close();
            throw new LedgerException("cannot open ledger at " + config.jdbcUrl() + ": " + e.getMessage(), e);
        }
        Ledger ledger = new Ledger(config, dataSource, metrics, Clock.systemUTC());
        try {
            // What a killed process left in the journal, now rather than at the first read.
            ledger.foldWorkerStats();
        } catch (LedgerException e) {
            dataSource.close();
            throw new LedgerException("cannot open ledger at " + config.jdbcUrl() + ": " + e.getMessage(), e);
        }
        ledger.writer.start();
        ledger.folder.scheduleWithFixedDelay(ledger::foldInBackground, foldInterval.toMillis(),
                foldInterval.toMillis(), TimeUnit.MILLISECONDS);
        log.info("ledger open: {}", config);
        return ledger;
    }

    private static HikariConfig hikariConfig(LedgerConfig config) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("templar-ledger");
        hc.setJdbcUrl(config.jdbcUrl());
        hc.setUsername(config.user());
        hc.setPassword(config.password());
        hc.setMaximumPoolSize(config.poolSize());
        hc.setMinimumIdle(config.poolSize());
        hc.setConnectionTimeout(config.connectionTimeout().toMillis());
        hc.setAutoCommit(true);
        return hc;
    }

    // ---------------------------------------------------------------- shares

    /**
     * Queues a share for the ledger. Never blocks. The future completes when the share is durable,
     * or fails with {@link LedgerBusyException} at once when the queue is full, or with a
     * {@link LedgerException} (cause: the database's error) when its batch could not be written; a
     * failed batch is rolled back whole, so a failed share is never half-recorded.
     */
    @Override
    public CompletableFuture<Void> recordShare(ShareRecord share) {
        Objects.requireNonNull(share, "share");
        return writer.submit(share);
    }

    /** Shares waiting for the writer right now. */
    public int queueDepth() {
        return writer.queueDepth();
    }

    // ---------------------------------------------------------------- blocks

    /**
     * Records a found block and commits it before returning (blocking, one commit and sync). Call it
     * before submitting the block to any node, so a crash right after the submission cannot lose it.
     *
     * @return true if recorded now, false if a block with this hash was already recorded (left unchanged)
     * @throws LedgerException if the database refused or is unreachable: the block is not recorded
     */
    @Override
    public boolean recordBlockCandidate(BlockRecord block) {
        return recordBlockCandidate(block, null);
    }

    /**
     * As {@link #recordBlockCandidate(BlockRecord)}, with the whole serialized block in the same commit,
     * so a pool that dies before the nodes answered finds the solution again ({@link #unsettledSolutions})
     * and submits it on restart.
     *
     * @param blockHex the block as {@code submitblock} takes it, or null when the pool cannot build it
     *     (a Coinbase-only declared job: the miner's node holds the transactions)
     */
    @Override
    public boolean recordBlockCandidate(BlockRecord block, String blockHex) {
        Objects.requireNonNull(block, "block");
        requireOpen();
        Instant now = now();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (blockStatus(c, block.hash(), false) != null) {
                    c.rollback();
                    return false;
                }
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO blocks (" + BLOCK_COLUMNS
                        + ", updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    insert.setLong(1, block.height());
                    insert.setString(2, block.hash());
                    insert.setString(3, block.worker());
                    insert.setString(4, block.user());
                    insert.setLong(5, block.rewardSats());
                    insert.setString(6, block.payoutDestination());
                    insert.setObject(7, utc(block.foundAt()));
                    insert.setString(8, block.status().name());
                    insert.setString(9, block.reason());
                    insert.setObject(10, utc(now));
                    insert.executeUpdate();
                }
                insertHistory(c, block.hash(), block.status(), block.reason(), now);
                if (blockHex != null) {
                    try (PreparedStatement solution = c.prepareStatement(
                            "INSERT INTO block_solutions (block_hash, block_hex) VALUES (?, ?)")) {
                        solution.setString(1, block.hash());
                        solution.setString(2, blockHex);
                        solution.executeUpdate();
                    }
                }
                c.commit();
                sync(c);
            } catch (SQLException | RuntimeException e) {
                if (isUniqueViolation(e)) {
                    c.rollback();
                    return false; // recorded concurrently by another caller
                }
                abandon(c, e);
                throw e;
            }
            return true;
        } catch (SQLException e) {
            throw new LedgerException("block " + block.hash() + " at height " + block.height()
                    + " NOT recorded (or not confirmed on disk): " + e.getMessage(), e);
        }
    }

    /**
     * Records the node's answer (or a later fate) for a block, with the reason to keep (Core's reject
     * string, "orphaned by ...", ...; truncated to 512 characters). Blocking, one commit.
     *
     * @return the block as it now stands
     * @throws IllegalStateException if the block cannot move from its current status to {@code status}
     * @throws LedgerException if no such block is recorded, or the database failed
     */
    @Override
    public BlockRecord updateBlockStatus(String blockHash, BlockStatus status, String reason) {
        Objects.requireNonNull(blockHash, "blockHash");
        Objects.requireNonNull(status, "status");
        requireOpen();
        String hash = blockHash.toLowerCase(java.util.Locale.ROOT);
        String why = reason == null || reason.length() <= BlockRecord.MAX_REASON_LENGTH
                ? reason : reason.substring(0, BlockRecord.MAX_REASON_LENGTH);
        Instant now = now();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                BlockStatus current = blockStatus(c, hash, true);
                if (current == null) {
                    throw new LedgerException("no block " + hash + " in the ledger");
                }
                if (!current.canMoveTo(status)) {
                    throw new IllegalStateException("block " + hash + " cannot go from " + current + " to " + status);
                }
                try (PreparedStatement update = c.prepareStatement(
                        "UPDATE blocks SET status = ?, reason = ?, updated_at = ? WHERE block_hash = ?")) {
                    update.setString(1, status.name());
                    update.setString(2, why);
                    update.setObject(3, utc(now));
                    update.setString(4, hash);
                    update.executeUpdate();
                }
                insertHistory(c, hash, status, why, now);
                c.commit();
                sync(c);
            } catch (SQLException | RuntimeException e) {
                abandon(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw new LedgerException("status " + status + " of block " + hash + " NOT recorded: " + e.getMessage(), e);
        }
        return blockByHash(hash).orElseThrow(() -> new LedgerException("block " + hash + " vanished"));
    }

    static BlockStatus blockStatus(Connection c, String hash, boolean forUpdate) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT status FROM blocks WHERE block_hash = ?"
                + (forUpdate ? " FOR UPDATE" : ""))) {
            q.setString(1, hash);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? BlockStatus.valueOf(rs.getString(1)) : null;
            }
        }
    }

    static void insertHistory(Connection c, String hash, BlockStatus status, String reason, Instant at)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO block_status_history (block_hash, status, reason, changed_at) VALUES (?, ?, ?, ?)")) {
            insert.setString(1, hash);
            insert.setString(2, status.name());
            insert.setString(3, reason);
            insert.setObject(4, utc(at));
            insert.executeUpdate();
        }
    }

    void sync(Connection c) throws SQLException {
        if (config.isH2() && !config.isH2InMemory() && config.syncEachCommit()) {
            try (Statement s = c.createStatement()) {
                s.execute("CHECKPOINT SYNC");
            }
        }
    }

    /**
     * Rolls back after a failure and, if the database itself failed, takes the connection out of the
     * pool: it may be the thing that broke, and a fresh one is how we get back once the database is.
     */
    void abandon(Connection c, Exception failure) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException e) {
            failure.addSuppressed(e);
        }
        if (failure instanceof SQLException) {
            dataSource.evictConnection(c);
        }
    }

    static boolean isUniqueViolation(Exception e) {
        // SQLState 23505 is unique violation in both H2 and PostgreSQL.
        return e instanceof SQLException && "23505".equals(((SQLException) e).getSQLState());
    }

    // ---------------------------------------------------------------- queries

    /** The latest blocks, newest first. */
    public List<BlockRecord> recentBlocks(int limit) {
        requireLimit(limit);
        return query("SELECT " + BLOCK_COLUMNS + " FROM blocks ORDER BY found_at DESC, id DESC FETCH FIRST ? ROWS ONLY",
                ps -> ps.setInt(1, limit), Ledger::readBlock);
    }

    /**
     * Blocks still CANDIDATE, oldest first, with their solution: the pool stopped (or died) after writing
     * them and before recording any node's answer. Blocks recorded without a solution are left out: there
     * is nothing to submit.
     */
    @Override
    public boolean creditCoinbase(String blockHash, org.templar.payout.scheme.Tides.JobPayout plan) {
        return new PayoutLedger(this).creditCoinbase(blockHash, plan);
    }

    @Override
    public List<UnsettledSolution> unsettledSolutions() {
        String columns = java.util.Arrays.stream(BLOCK_COLUMNS.split(", ")).map(c -> "b." + c)
                .collect(java.util.stream.Collectors.joining(", "));
        return query("SELECT " + columns + ", s.block_hex FROM blocks b JOIN block_solutions s ON s.block_hash = b.block_hash"
                + " WHERE b.status = 'CANDIDATE' ORDER BY b.found_at, b.id", ps -> {},
                rs -> new UnsettledSolution(readBlock(rs), rs.getString(10)));
    }

    /** How many blocks stand in each status (every status present, zero if none): what `blocks` lists, counted. */
    public java.util.Map<BlockStatus, Long> blockCountsByStatus() {
        java.util.Map<BlockStatus, Long> counts = new java.util.EnumMap<>(BlockStatus.class);
        for (BlockStatus s : BlockStatus.values()) {
            counts.put(s, 0L);
        }
        query("SELECT status, COUNT(*) FROM blocks GROUP BY status", ps -> {}, rs -> {
            counts.put(BlockStatus.valueOf(rs.getString(1)), rs.getLong(2));
            return null;
        });
        return counts;
    }

    public Optional<BlockRecord> blockByHash(String blockHash) {
        Objects.requireNonNull(blockHash, "blockHash");
        List<BlockRecord> found = query("SELECT " + BLOCK_COLUMNS + " FROM blocks WHERE block_hash = ?",
                ps -> ps.setString(1, blockHash.toLowerCase(java.util.Locale.ROOT)), Ledger::readBlock);
        return found.stream().findFirst();
    }

    /** Every status the block went through, oldest first (empty if no such block). */
    public List<BlockStatusChange> blockHistory(String blockHash) {
        Objects.requireNonNull(blockHash, "blockHash");
        return query("SELECT status, reason, changed_at FROM block_status_history WHERE block_hash = ? ORDER BY id",
                ps -> ps.setString(1, blockHash.toLowerCase(java.util.Locale.ROOT)),
                rs -> new BlockStatusChange(BlockStatus.valueOf(rs.getString(1)), rs.getString(2), instant(rs, 3)));
    }

    /**
     * The latest shares of one user (all its workers), newest first. For tests and tooling: no index
     * leads from an account to its shares (V28 dropped it to spare the writer), so this walks the
     * shares newest first until it has {@code limit} of the user's, the whole table for an account
     * with fewer. Pages a miner refreshes read {@link #workerStats} instead.
     */
    public List<ShareRecord> sharesFor(String user, int limit) {
        Objects.requireNonNull(user, "user");
        requireLimit(limit);
        return query("SELECT " + SHARE_COLUMNS + " FROM shares WHERE user_name = ? ORDER BY id DESC FETCH FIRST ? ROWS ONLY",
                ps -> {
                    ps.setString(1, user);
                    ps.setInt(2, limit);
                }, Ledger::readShare);
    }

    /**
     * How many shares the ledger holds one by one (compacted ones are counted in
     * {@link #retentionHorizon()} instead).
     */
    public long shareCount() {
        return query("SELECT COUNT(*) FROM shares", ps -> {}, rs -> rs.getLong(1)).get(0);
    }

    /**
     * Per worker: share count, sum of credited difficulty, last share time; ordered by worker. Read
     * from running totals, so it costs one row per worker, not a scan of shares; the totals of the
     * batches written since the last fold (at most about a second's) are folded in first, so every
     * acknowledged share counts, on whichever pool instance it was written.
     */
    public List<WorkerStats> workerStats() {
        requireOpen();
        foldWorkerStats();
        return query("SELECT worker, shares, sum_difficulty, last_share_at FROM worker_stats ORDER BY worker",
                ps -> {}, Ledger::readWorkerStats);
    }

    /** As {@link #workerStats()}, for the workers of one user. */
    public List<WorkerStats> workerStats(String user) {
        Objects.requireNonNull(user, "user");
        requireOpen();
        foldWorkerStats();
        return query("SELECT worker, shares, sum_difficulty, last_share_at FROM worker_stats WHERE user_name = ? "
                + "ORDER BY worker", ps -> ps.setString(1, user), Ledger::readWorkerStats);
    }

    private static WorkerStats readWorkerStats(ResultSet rs) throws SQLException {
        return new WorkerStats(rs.getString(1), rs.getLong(2), rs.getDouble(3), instant(rs, 4));
    }

    /** Adds the share batches' journal rows to worker_stats ({@link WorkerStatsJournal}). */
    void foldWorkerStats() {
        try (Connection c = dataSource.getConnection()) {
            WorkerStatsJournal.fold(c);
        } catch (SQLException e) {
            throw new LedgerException("folding worker stats failed: " + e.getMessage(), e);
        }
    }

    private void foldInBackground() {
        try {
            foldWorkerStats();
            if (foldFailing) {
                foldFailing = false;
                log.info("worker stats: folding again");
            }
        } catch (RuntimeException e) {
            // Nothing is lost: the journal keeps the totals until a fold goes through.
            if (!foldFailing) {
                foldFailing = true;
                log.warn("worker stats: fold failed, will retry every second: {}", e.toString());
            }
        }
    }

    /**
     * Sum of credited difficulty of all shares accepted at or after {@code since}. A double is right
     * here: difficulty is a ratio (shares weigh 0.0001 or 10^12), it is money only once turned into
     * satoshis by a payout scheme.
     *
     * <p>Compacted shares ({@link ShareRetention}) count through their hourly aggregates: exactly
     * when {@code since} is on an hour or within the retained days (at least the last day), else to
     * the hour (an aggregate that starts before {@code since} is left out whole).
     */
    public double sumDifficultySince(Instant since) {
        Objects.requireNonNull(since, "since");
        return query("SELECT COALESCE(SUM(share_difficulty), 0) FROM shares WHERE submitted_at >= ?",
                ps -> ps.setObject(1, utc(since)), rs -> rs.getDouble(1)).get(0)
                + query("SELECT COALESCE(SUM(sum_difficulty), 0) FROM share_aggregates WHERE bucket_start >= ?",
                        ps -> ps.setObject(1, utc(since)), rs -> rs.getDouble(1)).get(0);
    }

    /** As {@link #sumDifficultySince(Instant)}, for one user's shares. */
    public double sumDifficultySince(String user, Instant since) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(since, "since");
        Binder bind = ps -> {
            ps.setString(1, user);
            ps.setObject(2, utc(since));
        };
        return query("SELECT COALESCE(SUM(share_difficulty), 0) FROM shares WHERE user_name = ? AND submitted_at >= ?",
                bind, rs -> rs.getDouble(1)).get(0)
                + query("SELECT COALESCE(SUM(sum_difficulty), 0) FROM share_aggregates WHERE user_name = ? AND bucket_start >= ?",
                        bind, rs -> rs.getDouble(1)).get(0);
    }

    /** Shares folded into aggregates so far, and how far compaction reached ({@link ShareRetention}). */
    public ShareRetention.Horizon retentionHorizon() {
        return ShareRetention.horizon(this);
    }

    /** The pool-mode shares held in memory for PPLNS and TIDES windows ({@link PayoutLedger}). */
    RollingShareWindow shareWindow() {
        return shareWindow;
    }

    /**
     * The pool behind this ledger, for other payout components that keep their tables in the same
     * database (rounds, balances). Do not write shares through it: that bypasses the group commit.
     */
    public DataSource dataSource() {
        return dataSource;
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Stops accepting shares, writes those already queued (waiting up to 30 s), then closes the
     * database. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        shareWindow.close();
        writer.close(CLOSE_TIMEOUT_MILLIS);
        stopFolding();
        try {
            foldWorkerStats();
        } catch (LedgerException e) {
            log.warn("worker stats: last fold failed, the next open folds it: {}", e.toString());
        }
        if (config.isH2InMemory()) {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN"); // DB_CLOSE_DELAY=-1 would otherwise keep it for the JVM's lifetime
            } catch (SQLException e) {
                // H2 reports the connection it just shut down as closed; the database is gone either way.
                log.debug("in-memory ledger shutdown: {}", e.toString());
            }
        }
        dataSource.close();
        log.info("ledger closed: {}", config.jdbcUrl());
    }

    /**
     * For crash tests: closes as a killed process would leave the database, with the journal not
     * folded (queued shares are still written, and an in-memory H2 database is kept).
     */
    void closeWithoutFolding() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        shareWindow.close();
        writer.close(CLOSE_TIMEOUT_MILLIS);
        stopFolding();
        dataSource.close();
    }

    private void stopFolding() {
        folder.shutdown();
        try {
            folder.awaitTermination(CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- helpers

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    @FunctionalInterface
    private interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> List<T> query(String sql, Binder binder, RowReader<T> reader) {
        requireOpen();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(reader.read(rs));
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new LedgerException("ledger query failed: " + e.getMessage(), e);
        }
    }

    static ShareRecord readShare(ResultSet rs) throws SQLException {
        return new ShareRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getDouble(6), rs.getDouble(7), rs.getString(8), rs.getBoolean(9), rs.getString(10), instant(rs, 11),
                rs.getDouble(12), rs.getString(13));
    }

    static BlockRecord readBlock(ResultSet rs) throws SQLException {
        return new BlockRecord(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                rs.getString(6), instant(rs, 7), BlockStatus.valueOf(rs.getString(8)), rs.getString(9));
    }

    static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static OffsetDateTime utc(Instant t) {
        return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    void requireOpen() {
        if (closed.get()) {
            throw new LedgerException("ledger is closed");
        }
    }

    private static void requireLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
    }
}
