package org.templar.payout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to open a {@link Ledger}.
 *
 * @param jdbcUrl the database; {@code jdbc:h2:...} for the embedded default, {@code jdbc:postgresql:...}
 *     later (the migrations are written to be portable)
 * @param user database user
 * @param password database password (may be empty)
 * @param poolSize connections in the pool: one is the share writer's, the rest serve blocks and queries
 * @param queueCapacity shares that may wait for the writer; beyond it {@link Ledger#recordShare} fails
 *     fast with {@link LedgerBusyException}. Bounded so a slow disk costs rejected shares, not memory.
 * @param maxBatch at most this many shares per transaction (group commit)
 * @param connectionTimeout how long the writer or a query waits for a pooled connection before the
 *     database counts as unreachable (HikariCP refuses less than 250 ms)
 * @param syncEachCommit H2 only: after each commit force the file to the device (CHECKPOINT SYNC).
 *     Commits always reach the operating system before they are acknowledged (WRITE_DELAY=0), which
 *     survives a killed process; this flag additionally survives a power cut or kernel crash, at the
 *     cost of one fsync per batch (group commit keeps that one fsync shared by the whole batch).
 * @param writers share batches written at once, each by its own thread on its own connection: while
 *     one batch commits the next is already being written ({@link #defaultWriters}). With more than
 *     one, share ids no longer follow the order shares were recorded in, as with several pool
 *     instances; every reader of shares by id already allows for that. At most {@code poolSize - 1}:
 *     queries need a connection.
 */
public record LedgerConfig(
        String jdbcUrl,
        String user,
        String password,
        int poolSize,
        int queueCapacity,
        int maxBatch,
        Duration connectionTimeout,
        boolean syncEachCommit,
        int writers) {

    public static final int DEFAULT_POOL_SIZE = 4;
    public static final int DEFAULT_QUEUE_CAPACITY = 65_536;
    public static final int MAX_QUEUE_CAPACITY = 4_194_304;
    public static final int DEFAULT_MAX_BATCH = 1_000;
    /**
     * Share writers on PostgreSQL, where a second one overlaps one batch's commit with the next
     * batch's COPY (about 1.5 times the shares per second, docs/BENCHMARKS.md). H2 keeps one: its
     * commits take turns on one store, and a second writer measured slower.
     */
    public static final int DEFAULT_POSTGRES_WRITERS = 2;
    public static final int MAX_WRITERS = 16;
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    /** The embedded database's file name (H2 appends {@code .mv.db}). */
    public static final String EMBEDDED_DB_NAME = "templar";

    public LedgerConfig {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(connectionTimeout, "connectionTimeout");
        if (!jdbcUrl.startsWith("jdbc:")) {
            throw new IllegalArgumentException("jdbcUrl must start with 'jdbc:': '" + jdbcUrl + "'");
        }
        if (poolSize < 2) {
            // One connection belongs to the share writer; blocks and queries need another.
            throw new IllegalArgumentException("poolSize must be at least 2: " + poolSize);
        }
        if (queueCapacity < 1 || queueCapacity > MAX_QUEUE_CAPACITY) {
            // The queue's array is allocated up front; a typo here should not become an OutOfMemoryError.
            throw new IllegalArgumentException("queueCapacity must be 1.." + MAX_QUEUE_CAPACITY + ": " + queueCapacity);
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be positive: " + maxBatch);
        }
        if (connectionTimeout.toMillis() < 250) {
            throw new IllegalArgumentException("connectionTimeout must be at least 250 ms: " + connectionTimeout);
        }
        if (writers < 1 || writers > MAX_WRITERS || writers > poolSize - 1) {
            throw new IllegalArgumentException("writers must be 1.." + Math.min(MAX_WRITERS, poolSize - 1)
                    + " (one connection each, and one left for queries in a pool of " + poolSize + "): " + writers);
        }
    }

    /** With the database's default number of share writers ({@link #defaultWriters}). */
    public LedgerConfig(String jdbcUrl, String user, String password, int poolSize, int queueCapacity, int maxBatch,
            Duration connectionTimeout, boolean syncEachCommit) {
        this(jdbcUrl, user, password, poolSize, queueCapacity, maxBatch, connectionTimeout, syncEachCommit,
                defaultWriters(jdbcUrl, poolSize));
    }

    /**
     * {@link #DEFAULT_POSTGRES_WRITERS} on PostgreSQL, one on H2 and anything else; fewer if the pool
     * leaves no connection for queries.
     */
    public static int defaultWriters(String jdbcUrl, int poolSize) {
        int writers = jdbcUrl != null && jdbcUrl.startsWith("jdbc:postgresql:") ? DEFAULT_POSTGRES_WRITERS : 1;
        return Math.max(1, Math.min(writers, poolSize - 1));
    }

    /**
     * The embedded default: an H2 file database {@code templar.mv.db} in {@code dataDirectory}
     * (created if missing), durable against a killed process and, with {@code syncEachCommit}, a power cut.
     */
    public static LedgerConfig embedded(Path dataDirectory) {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        String path = dataDirectory.toAbsolutePath().normalize().resolve(EMBEDDED_DB_NAME).toString();
        if (path.indexOf(';') >= 0) {
            throw new IllegalArgumentException("H2 cannot open a path containing ';': " + path);
        }
        // WRITE_DELAY=0: H2 2.x otherwise leaves commits in memory for up to 500 ms, and a killed
        // process loses them although they were acknowledged.
        // DB_CLOSE_ON_EXIT=FALSE: H2's own shutdown hook would close the database under the
        // writer; the ledger's close() drains the queue and then closes it.
        String url = "jdbc:h2:file:" + path + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
        return new LedgerConfig(url, "templar", "", DEFAULT_POOL_SIZE, DEFAULT_QUEUE_CAPACITY, DEFAULT_MAX_BATCH,
                DEFAULT_CONNECTION_TIMEOUT, true);
    }

    /**
     * A private in-memory H2 database, for tests and demos that need no durability. It lives until the
     * ledger is closed.
     */
    public static LedgerConfig inMemory(String name) {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("in-memory database name must be 1..64 of [A-Za-z0-9_-]: '" + name + "'");
        }
        // DB_CLOSE_DELAY=-1: keep the database while the pool recycles its connections.
        String url = "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1";
        return new LedgerConfig(url, "templar", "", DEFAULT_POOL_SIZE, DEFAULT_QUEUE_CAPACITY, DEFAULT_MAX_BATCH,
                DEFAULT_CONNECTION_TIMEOUT, false);
    }

    /** The pool size; the writers are kept if the pool still leaves a connection for queries, else cut to fit. */
    public LedgerConfig withPoolSize(int newPoolSize) {
        return new LedgerConfig(jdbcUrl, user, password, newPoolSize, queueCapacity, maxBatch, connectionTimeout, syncEachCommit,
                Math.max(1, Math.min(writers, newPoolSize - 1)));
    }

    public LedgerConfig withQueueCapacity(int newQueueCapacity) {
        return new LedgerConfig(jdbcUrl, user, password, poolSize, newQueueCapacity, maxBatch, connectionTimeout, syncEachCommit, writers);
    }

    public LedgerConfig withMaxBatch(int newMaxBatch) {
        return new LedgerConfig(jdbcUrl, user, password, poolSize, queueCapacity, newMaxBatch, connectionTimeout, syncEachCommit, writers);
    }

    public LedgerConfig withConnectionTimeout(Duration newConnectionTimeout) {
        return new LedgerConfig(jdbcUrl, user, password, poolSize, queueCapacity, maxBatch, newConnectionTimeout, syncEachCommit, writers);
    }

    public LedgerConfig withSyncEachCommit(boolean newSyncEachCommit) {
        return new LedgerConfig(jdbcUrl, user, password, poolSize, queueCapacity, maxBatch, connectionTimeout, newSyncEachCommit, writers);
    }

    public LedgerConfig withWriters(int newWriters) {
        return new LedgerConfig(jdbcUrl, user, password, poolSize, queueCapacity, maxBatch, connectionTimeout, syncEachCommit,
                newWriters);
    }

    boolean isH2() {
        return jdbcUrl.startsWith("jdbc:h2:");
    }

    boolean isH2InMemory() {
        return jdbcUrl.startsWith("jdbc:h2:mem:");
    }

    /** The password is left out: configs end up in logs. */
    @Override
    public String toString() {
        return "LedgerConfig[jdbcUrl=" + jdbcUrl + ", user=" + user + ", poolSize=" + poolSize
                + ", queueCapacity=" + queueCapacity + ", maxBatch=" + maxBatch
                + ", connectionTimeout=" + connectionTimeout + ", syncEachCommit=" + syncEachCommit + ", writers=" + writers + "]";
    }
}
