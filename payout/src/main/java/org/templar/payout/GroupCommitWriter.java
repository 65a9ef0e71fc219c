package org.templar.payout;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariDataSource;

/**
 * The threads that write shares. Callers enqueue without blocking; a writer takes whatever has
 * accumulated (up to {@code maxBatch}), inserts it in one transaction, commits (and syncs), and only
 * then completes the batch's futures. One commit per batch instead of one per share is what lets a
 * share be acknowledged only once durable and still keep up with thousands of shares per second.
 * Several writers ({@link LedgerConfig#writers}) each take their own batch from the one queue, so one
 * batch is written while another waits for its commit; the ids of their shares interleave.
 *
 * <p>Where the database needs an explicit sync after a commit (H2 on disk: its commit reaches the
 * operating system, not the device), a syncer thread does it: a writer hands its committed batch
 * over and goes on with the next, and the syncer forces everything committed so far to the device
 * in one sync, then acknowledges those batches. A batch is acknowledged only after a sync that began
 * after its commit returned, as before; the writer no longer waits for the device, which was about
 * a fifth of its time (docs/BENCHMARKS.md).
 */
final class GroupCommitWriter {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

    static final String INSERT_SHARE = "INSERT INTO shares (worker, user_name, worker_name, job_id, channel_id, "
            + "share_difficulty, achieved_difficulty, share_hash, block_candidate, payout_mode, submitted_at, "
            + "revenue_weight, template_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    /** Committed batches that may wait for the syncer before a writer waits for it. */
    private static final int UNSYNCED_BATCHES = 8;
    /** How often the idle writer looks at the closing flag. */
    private static final long IDLE_POLL_MILLIS = 50;
    /** Failed batches are logged at most this often, so a dead database does not flood the log. */
    private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private record Pending(ShareRecord share, CompletableFuture<Void> done) {}

    /** The commit went through but forcing it to the device did not. */
    private static final class SyncFailedException extends SQLException {
        private static final long serialVersionUID = 1L;

        SyncFailedException(Exception cause) {
            super("committed, but the sync to disk failed: " + cause.getMessage(), cause);
        }
    }

    private final HikariDataSource dataSource;
    private final BlockingQueue<Pending> queue;
    private final int queueCapacity;
    private final int maxBatch;
    private final boolean syncEachCommit;
    private final boolean copyShares;
    private final LedgerMetrics metrics;
    private final List<Thread> threads;
    /** Batches committed and waiting for the syncer; null where commits need no sync. */
    private final BlockingQueue<List<Pending>> unsynced;
    private final Thread syncer;
    private volatile boolean closing;
    private volatile boolean writersDone;
    /** Told after each committed batch ({@link RollingShareWindow#sharesCommitted}); must return at once. */
    private volatile Runnable afterCommit = () -> {};

    // Failure reporting, shared by the writers: guarded by this.
    private long lastFailureLogNanos;
    private long failuresSinceLog;
    private boolean failing;

    /**
     * @param copyShares write a batch's shares with PostgreSQL's COPY ({@link PostgresShareCopy})
     *     instead of a batched INSERT
     * @param writers threads writing batches at once, each on its own connection
     */
    GroupCommitWriter(HikariDataSource dataSource, int queueCapacity, int maxBatch, boolean syncEachCommit,
            boolean copyShares, int writers, LedgerMetrics metrics) {
        if (writers < 1) {
            throw new IllegalArgumentException("writers must be positive: " + writers);
        }
        this.dataSource = dataSource;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.queueCapacity = queueCapacity;
        this.maxBatch = maxBatch;
        this.syncEachCommit = syncEachCommit;
        this.copyShares = copyShares;
        this.metrics = metrics;
        List<Thread> named = new ArrayList<>(writers);
        for (int i = 0; i < writers; i++) {
            Thread thread = new Thread(this::run, writers == 1 ? "templar-ledger-writer" : "templar-ledger-writer-" + (i + 1));
            // Daemon: a ledger nobody closed must not keep the JVM alive; close() is the orderly way out.
            thread.setDaemon(true);
            named.add(thread);
        }
        this.threads = List.copyOf(named);
        if (syncEachCommit) {
            // Bounded: a device slower than the writers holds them back instead of piling up batches.
            this.unsynced = new ArrayBlockingQueue<>(UNSYNCED_BATCHES);
            this.syncer = new Thread(this::syncLoop, "templar-ledger-sync");
            syncer.setDaemon(true);
        } else {
            this.unsynced = null;
            this.syncer = null;
        }
    }

    void start() {
        if (syncer != null) {
            syncer.start();
        }
        threads.forEach(Thread::start);
    }

    /**
     * Runs {@code hook} after each batch is acknowledged, on the thread that acknowledges it (a writer,
     * or the syncer where commits are synced): it must not block, and with several writers it may run
     * on several threads at once.
     */
    void afterCommit(Runnable hook) {
        this.afterCommit = java.util.Objects.requireNonNull(hook, "hook");
    }

    /** Never blocks: a full queue is answered at once with a failed future. */
    CompletableFuture<Void> submit(ShareRecord share) {
        if (closing) {
            return CompletableFuture.failedFuture(new LedgerException("ledger is closed; share not recorded"));
        }
        Pending pending = new Pending(share, new CompletableFuture<>());
        if (!queue.offer(pending)) {
            metrics.busyRejection();
            return CompletableFuture.failedFuture(new LedgerBusyException(
                    "share ledger busy: " + queueCapacity + " shares already wait for the database"));
        }
        return pending.done();
    }

    int queueDepth() {
        return queue.size();
    }

    /**
     * Stops taking shares, lets the writers write what is queued, and waits for them up to
     * {@code timeoutMillis} in all. Anything still queued after that fails with a {@link LedgerException}.
     */
    void close(long timeoutMillis) {
        closing = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Thread thread : threads) {
            join(thread, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        threads.forEach(GroupCommitWriter::interruptIfAlive);
        writersDone = true;
        if (syncer != null) {
            // The syncer acknowledges what the writers committed, then stops.
            join(syncer, Math.max(1_000, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            interruptIfAlive(syncer);
            List<List<Pending>> committed = new ArrayList<>();
            unsynced.drainTo(committed);
            LedgerException notSynced = new LedgerException(
                    "ledger closed before the share's commit was synced to disk; share not recorded");
            for (List<Pending> batch : committed) {
                failAll(batch, notSynced);
            }
        }
        // A share may have slipped in between the closing check and the writer's last look.
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        LedgerException closed = new LedgerException("ledger closed before the share was written");
        for (Pending p : left) {
            p.done().completeExceptionally(closed);
        }
    }

    private static void join(Thread thread, long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** For a thread still running after its time: interrupted, and given a second to end. */
    private static void interruptIfAlive(Thread thread) {
        if (thread.isAlive()) {
            thread.interrupt();
            join(thread, 1_000);
        }
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(Math.min(maxBatch, 4_096));
        while (true) {
            if (!batch.isEmpty()) {
                batch = new ArrayList<>(Math.min(maxBatch, 4_096)); // the last one went to the syncer
            }
            Pending first;
            try {
                first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return; // close() gave up waiting; it fails what is left
            }
            if (first == null) {
                if (closing) {
                    return;
                }
                continue;
            }
            batch.add(first);
            boolean toSync = false;
            try {
                toSync = writeBatch(batch);
            } catch (Throwable t) {
                // Never let the writer die: fail this batch and go on with the next.
                failAll(batch, new LedgerException("share batch failed unexpectedly: " + t, t));
            }
            if (toSync) {
                handOver(batch);
            } else {
                batch.clear();
            }
        }
    }

    /** Gives a committed batch to the syncer, waiting while {@link #UNSYNCED_BATCHES} already wait. */
    private void handOver(List<Pending> batch) {
        try {
            unsynced.put(batch);
        } catch (InterruptedException e) {
            // close() gave up waiting: the batch is committed but not known durable, so not acknowledged.
            Thread.currentThread().interrupt();
            failed(batch, new SyncFailedException(new LedgerException("ledger closed while the batch waited for its sync")));
        }
    }

    /** @return whether the batch is committed and waits for a sync ({@link #handOver}) */
    private boolean writeBatch(List<Pending> batch) {
        // Take the connection before draining: shares that arrive while we wait for it join this
        // batch instead of each paying for a commit of its own.
        try (Connection connection = dataSource.getConnection()) {
            queue.drainTo(batch, maxBatch - batch.size());
            metrics.queueDepth(queue.size());
            long start = System.nanoTime();
            try {
                connection.setAutoCommit(false);
                WorkerStatsJournal.Batch stats = new WorkerStatsJournal.Batch();
                if (copyShares) {
                    PostgresShareCopy rows = new PostgresShareCopy(batch.size());
                    for (Pending p : batch) {
                        rows.add(p.share());
                        stats.add(p.share());
                    }
                    rows.copyInto(connection);
                } else {
                    try (PreparedStatement insert = connection.prepareStatement(INSERT_SHARE)) {
                        for (Pending p : batch) {
                            bind(insert, p.share());
                            insert.addBatch();
                            stats.add(p.share());
                        }
                        insert.executeBatch();
                    }
                }
                // The batch's per-worker totals, as one journal row in the same transaction: see
                // WorkerStatsJournal for why worker_stats stays exact.
                stats.write(connection);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection, e);
                // The connection may be what broke (database shut down, file gone, network cut); the
                // pool only checks idle connections, and this one is never idle. Give the next batch
                // a fresh one: cheap, and the only way back once the database returns.
                dataSource.evictConnection(connection);
                throw e;
            }
            long nanos = System.nanoTime() - start;
            metrics.batchCommitted(batch.size(), nanos);
            if (unsynced != null) {
                return true; // handed over once the connection is back in the pool: the syncer needs one
            }
            acknowledge(batch);
        } catch (SQLException | RuntimeException e) {
            failed(batch, e);
        }
        return false;
    }

    private void acknowledge(List<Pending> batch) {
        recovered();
        for (Pending p : batch) {
            p.done().complete(null);
        }
        afterCommit.run();
    }

    private void failed(List<Pending> batch, Exception e) {
        LedgerException failure = new LedgerException("batch of " + batch.size() + " shares not recorded"
                + (e instanceof SyncFailedException ? ": " : " (rolled back): ") + e.getMessage(), e);
        metrics.batchFailed(batch.size(), e);
        logFailure(batch.size(), e);
        failAll(batch, failure);
    }

    /**
     * The syncer: takes every batch committed so far, forces the database file to the device once,
     * and acknowledges them. If the sync fails their rows are committed but not known durable, so
     * the shares are not acknowledged (the worst case: a share credited that the miner was told was
     * rejected). Stops once the writers have stopped and everything they committed is answered.
     */
    private void syncLoop() {
        List<List<Pending>> batches = new ArrayList<>();
        while (true) {
            List<Pending> first;
            try {
                first = unsynced.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return; // close() gave up waiting; it fails what is left
            }
            if (first == null) {
                if (writersDone && unsynced.isEmpty()) {
                    return;
                }
                continue;
            }
            batches.add(first);
            unsynced.drainTo(batches);
            boolean synced = false;
            try {
                sync();
                synced = true;
            } catch (SQLException | RuntimeException e) {
                SyncFailedException failure = new SyncFailedException(e);
                for (List<Pending> batch : batches) {
                    failed(batch, failure);
                }
            }
            if (synced) {
                for (List<Pending> batch : batches) {
                    try {
                        acknowledge(batch);
                    } catch (RuntimeException e) {
                        // Only the afterCommit hook can throw here, after the batch's shares were answered.
                        log.error("share ledger: after-commit hook failed: {}", e.toString());
                    }
                }
            }
            batches.clear();
        }
    }

    /** Forces what every commit so far wrote from the operating system's cache to the device. */
    private void sync() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement sync = connection.createStatement()) {
            try {
                sync.execute("CHECKPOINT SYNC");
            } catch (SQLException | RuntimeException e) {
                // As for a writer: the connection may be what broke; the next sync gets a fresh one.
                dataSource.evictConnection(connection);
                throw e;
            }
        }
    }

    static void bind(PreparedStatement insert, ShareRecord s) throws SQLException {
        insert.setString(1, s.worker());
        insert.setString(2, s.user());
        insert.setString(3, s.workerName());
        insert.setString(4, s.jobId());
        insert.setString(5, s.channelId());
        insert.setDouble(6, s.shareDifficulty());
        insert.setDouble(7, s.achievedDifficulty());
        insert.setString(8, s.shareHash());
        insert.setBoolean(9, s.blockCandidate());
        insert.setString(10, s.payoutMode());
        insert.setObject(11, OffsetDateTime.ofInstant(s.time(), ZoneOffset.UTC));
        insert.setDouble(12, s.revenueWeight());
        insert.setString(13, s.templateSource());
    }

    private static void rollbackQuietly(Connection connection, Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private static void failAll(List<Pending> batch, Throwable failure) {
        for (Pending p : batch) {
            p.done().completeExceptionally(failure);
        }
    }

    private synchronized void logFailure(int size, Exception e) {
        failing = true;
        failuresSinceLog++;
        long now = System.nanoTime();
        if (lastFailureLogNanos == 0 || now - lastFailureLogNanos >= FAILURE_LOG_INTERVAL_NANOS) {
            log.error("share ledger: {} batch(es) failed since last report, latest of {} shares: {}",
                    failuresSinceLog, size, e.toString());
            lastFailureLogNanos = now;
            failuresSinceLog = 0;
        }
    }

    private synchronized void recovered() {
        if (failing) {
            failing = false;
            lastFailureLogNanos = 0;
            failuresSinceLog = 0;
            log.info("share ledger: writing again");
        }
    }
}
