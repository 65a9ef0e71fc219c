package org.templar.payout;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's place among the pool instances sharing one ledger database (tables
 * {@code pool_instances} and {@code pool_leader}, migration V21): a distinct instance number, and
 * whether this instance is the leader that runs the once-per-pool work (block tracking).
 *
 * <p>Both are leases in the database, renewed every third of the lease: a row says who holds what
 * until when. A lease rather than a PostgreSQL advisory lock because the same SQL runs on H2 (the
 * single-instance default) and because a lease survives a connection pool recycling its connections
 * (an advisory lock dies with its session, so it would need a dedicated connection kept outside the
 * pool and watched for breaks). Times are the database's clock ({@code CURRENT_TIMESTAMP}), so
 * instances on hosts with skewed clocks still agree on when a lease ran out.
 *
 * <p>A crashed instance simply stops renewing: its number and its leadership can be taken over once
 * the lease is past. A clean {@link #close()} deletes its rows, so a successor does not wait. The
 * leader counts itself leader only until its own lease would run out as seen from its local monotonic
 * clock (measured from before it asked), so a paused leader stops acting before anyone else may start.
 */
public final class PoolInstances implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PoolInstances.class);
    /** The role of the instance that follows found blocks to maturity or orphaning and credits them. */
    public static final String BLOCK_TRACKING = "block_tracking";
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(15);

    private final DataSource dataSource;
    private final Duration lease;
    private final String holder = UUID.randomUUID().toString();
    private final String host;
    /** Set once by {@link #join} before the renewals start. */
    private volatile int number = -1;
    private final ScheduledExecutorService timer;
    /** System.nanoTime() until which this instance may act as leader; 0 when it is not. */
    private volatile long leaderUntilNanos;
    private volatile boolean lost;
    private volatile boolean closed;

    private PoolInstances(DataSource dataSource, Duration lease, String host) {
        this.dataSource = dataSource;
        this.lease = lease;
        this.host = host;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "templar-instance-lease");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Claims an instance number (the {@code wanted} one, else the lowest free or expired one) and starts
     * renewing it; tries at once to become leader.
     *
     * @throws LedgerException {@code wanted} is held by a live instance, or all numbers are
     */
    public static PoolInstances join(DataSource dataSource, OptionalInt wanted, int maxInstances, Duration lease) {
        Objects.requireNonNull(dataSource, "dataSource");
        if (lease.toMillis() < 300) {
            throw new IllegalArgumentException("lease too short: " + lease);
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown";
        }
        if (wanted.isPresent() && (wanted.getAsInt() < 0 || wanted.getAsInt() >= maxInstances)) {
            throw new IllegalArgumentException("instance " + wanted.getAsInt() + " is not in 0.." + (maxInstances - 1));
        }
        PoolInstances me = new PoolInstances(dataSource, lease, host);
        int got = -1;
        try {
            if (wanted.isPresent()) {
                if (me.claim(wanted.getAsInt())) {
                    got = wanted.getAsInt();
                } else {
                    throw new LedgerException("pool instance " + wanted.getAsInt() + " is held by a running instance ("
                            + me.describe(wanted.getAsInt()) + "); choose another pool.instance or leave it unset", null);
                }
            } else {
                for (int n = 0; n < maxInstances && got < 0; n++) {
                    if (me.claim(n)) {
                        got = n;
                    }
                }
                if (got < 0) {
                    throw new LedgerException("all " + maxInstances + " pool instance numbers are held by running instances", null);
                }
            }
        } catch (SQLException e) {
            me.timer.shutdownNow();
            throw new LedgerException("cannot claim a pool instance number: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            me.timer.shutdownNow();
            throw e;
        }
        me.number = got;
        me.start();
        return me;
    }

    private void start() {
        renew(); // becomes leader at once when nobody leads
        long period = Math.max(100, lease.toMillis() / 3);
        timer.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
    }

    /** This instance's number, 0 &lt;= number &lt; maxInstances; fixed for the life of the process. */
    public int number() {
        return number;
    }

    /** Whether this instance runs the once-per-pool work right now. */
    public boolean isLeader() {
        long until = leaderUntilNanos;
        return !closed && until != 0 && System.nanoTime() - until < 0;
    }

    /** True after this instance's number was taken by another (it failed to renew for a whole lease). */
    public boolean lost() {
        return lost;
    }

    public Duration lease() {
        return lease;
    }

    /** Renews the number and tries to become or stay leader; failures are retried at the next tick. */
    private void renew() {
        if (closed) {
            return;
        }
        try {
            if (!renewNumber()) {
                if (!lost) {
                    lost = true;
                    log.error("pool instance {}: its lease ran out and another instance holds the number now;"
                            + " this instance's extranonce1 values may collide with that one's until it is restarted", number);
                }
            }
            long asked = System.nanoTime();
            if (!lost && lead()) {
                if (leaderUntilNanos == 0) {
                    log.info("pool instance {} leads: it runs block tracking", number);
                }
                // counted from before the question: the database's lease ends no earlier than this
                leaderUntilNanos = asked + lease.toNanos() - lease.toNanos() / 10;
                if (leaderUntilNanos == 0) {
                    leaderUntilNanos = 1;
                }
            } else {
                if (leaderUntilNanos != 0) {
                    log.info("pool instance {} no longer leads", number);
                }
                leaderUntilNanos = 0;
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("pool instance {}: renewing its lease failed, retrying: {}", number, e.toString());
        }
    }

    private boolean renewNumber() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            OffsetDateTime now = now(c);
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE pool_instances SET holder = ?, lease_until = ? WHERE instance_no = ? AND (holder = ? OR lease_until < ?)")) {
                ps.setString(1, holder);
                ps.setObject(2, now.plus(lease));
                ps.setInt(3, number);
                ps.setString(4, holder);
                ps.setObject(5, now);
                if (ps.executeUpdate() == 1) {
                    return true;
                }
            }
            // the row is gone (deleted by hand, or never written under this token): write it again
            return insertOrTake(c, number, now);
        }
    }

    private boolean lead() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            OffsetDateTime now = now(c);
            try (PreparedStatement ps = c.prepareStatement("UPDATE pool_leader SET holder = ?, instance_no = ?, lease_until = ?"
                    + " WHERE role = ? AND (holder = ? OR lease_until < ?)")) {
                ps.setString(1, holder);
                ps.setInt(2, number);
                ps.setObject(3, now.plus(lease));
                ps.setString(4, BLOCK_TRACKING);
                ps.setString(5, holder);
                ps.setObject(6, now);
                if (ps.executeUpdate() == 1) {
                    return true;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO pool_leader (role, holder, instance_no, lease_until) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, BLOCK_TRACKING);
                ps.setString(2, holder);
                ps.setInt(3, number);
                ps.setObject(4, now.plus(lease));
                return ps.executeUpdate() == 1;
            } catch (SQLException e) {
                if (isDuplicate(e)) {
                    return false; // another instance leads, under a live lease
                }
                throw e;
            }
        }
    }

    /** One attempt at number {@code n}: free, expired, or already this object's. */
    private boolean claim(int n) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            OffsetDateTime now = now(c);
            return insertOrTake(c, n, now);
        }
    }

    private boolean insertOrTake(Connection c, int n, OffsetDateTime now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO pool_instances (instance_no, holder, host, started_at, lease_until)"
                + " VALUES (?, ?, ?, ?, ?)")) {
            ps.setInt(1, n);
            ps.setString(2, holder);
            ps.setString(3, host.length() > 255 ? host.substring(0, 255) : host);
            ps.setObject(4, now);
            ps.setObject(5, now.plus(lease));
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            if (!isDuplicate(e)) {
                throw e;
            }
        }
        // taken over only when its holder stopped renewing: one conditional UPDATE, so two instances
        // racing for the same expired number cannot both win
        try (PreparedStatement ps = c.prepareStatement("UPDATE pool_instances SET holder = ?, host = ?, started_at = ?, lease_until = ?"
                + " WHERE instance_no = ? AND (holder = ? OR lease_until < ?)")) {
            ps.setString(1, holder);
            ps.setString(2, host.length() > 255 ? host.substring(0, 255) : host);
            ps.setObject(3, now);
            ps.setObject(4, now.plus(lease));
            ps.setInt(5, n);
            ps.setString(6, holder);
            ps.setObject(7, now);
            return ps.executeUpdate() == 1;
        }
    }

    private String describe(int n) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT host, lease_until FROM pool_instances WHERE instance_no = ?")) {
            ps.setInt(1, n);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? "on " + rs.getString(1) + ", lease until " + rs.getObject(2, OffsetDateTime.class) : "gone";
            }
        }
    }

    private static OffsetDateTime now(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT CURRENT_TIMESTAMP");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class);
        }
    }

    /** SQLSTATE 23505, unique violation, on PostgreSQL and H2 alike. */
    private static boolean isDuplicate(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    /**
     * Stops renewing without giving anything up, as a killed process would: the rows stay until their
     * lease runs out. For tests of the take-over.
     */
    void abandon() {
        closed = true;
        stopTimer();
    }

    /**
     * Waits for a running renewal rather than interrupting it: an interrupt inside H2's file I/O closes
     * the whole embedded database.
     */
    private void stopTimer() {
        timer.shutdown();
        try {
            if (!timer.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("pool instance {}: a lease renewal is still running", number);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops renewing and deletes this instance's rows, so another instance may lead or take the number at once. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopTimer();
        try (Connection c = dataSource.getConnection();
                PreparedStatement leader = c.prepareStatement("DELETE FROM pool_leader WHERE holder = ?");
                PreparedStatement mine = c.prepareStatement("DELETE FROM pool_instances WHERE instance_no = ? AND holder = ?")) {
            leader.setString(1, holder);
            leader.executeUpdate();
            mine.setInt(1, number);
            mine.setString(2, holder);
            mine.executeUpdate();
        } catch (SQLException | RuntimeException e) {
            log.warn("pool instance {}: could not release its lease (it runs out by itself): {}", number, e.toString());
        }
    }
}
