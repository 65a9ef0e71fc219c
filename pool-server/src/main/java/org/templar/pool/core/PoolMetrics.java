package org.templar.pool.core;

import org.templar.share.Difficulty;

/**
 * What the pool core reports; the ops module implements it with Prometheus, so nothing here imports
 * a metrics library. Methods are called on hot paths and must be cheap and thread-safe.
 */
public interface PoolMetrics {
    /**
     * An accepted share, at the difficulty it is credited at. Implementations add it up as a double:
     * sums, rates and hashrates are plain numbers, not {@link Difficulty} values.
     */
    void shareAccepted(String protocol, Difficulty difficulty);

    void shareRejected(String protocol, String reason);

    /**
     * An accepted share with the template it was mined on (after {@link #shareAccepted}):
     * {@code templateSource} is "pool" for the pool's own templates or the Job Declaration mode of a
     * miner-declared job ("jd-full", "jd-coinbase"), {@code revenueWeight} the fraction (0, 1] it is
     * credited at.
     */
    default void shareOnTemplate(Worker worker, String templateSource, double revenueWeight, Difficulty difficulty) {}

    /**
     * A DeclareMiningJob answered by the JDS: {@code outcome} is "accepted" or the error code of the
     * DeclareMiningJob.Error sent; {@code connectionId} is the JDS connection's.
     */
    default void jobDeclaration(String outcome, String connectionId) {}

    /** A solved block's verdict from the nodes: ACCEPTED, STALE (valid, another block won) or REJECTED. */
    void blockFound(int height, org.templar.payout.BlockStatus status);

    /**
     * Every share the share processor judged, with the worker it came from, so live statistics
     * (hashrate, best share) can be kept beside the counters. Not called for shares refused before
     * the processor (unknown job, unauthorized worker). {@code shareDifficulty} is what the share was
     * judged and credited at; {@code achievedDifficulty} what its hash reached (a measurement, a double).
     */
    default void shareJudged(Worker worker, ShareVerdict verdict, Difficulty shareDifficulty,
            double achievedDifficulty) {}

    /** A block's status as the ledger now records it (after {@link #blockFound}); for notifications. */
    default void blockRecorded(org.templar.payout.BlockRecord block) {}

    void connectionOpened(String protocol);

    void connectionClosed(String protocol);

    void jobsBroadcast(String protocol, int sessions, long nanos);

    /**
     * A connection was closed because it owed its peer more than the outbound cap ({@code pendingBytes}
     * at the moment of closing): a client that does not read. {@code protocol} is sv1, sv2 or http.
     */
    void outboundOverflow(String protocol, long pendingBytes);

    /**
     * A connection closed at once on arrival: {@code reason} is "global_cap", "per_ip_cap" (the
     * connection caps) or "banned".
     */
    default void connectionRefused(String protocol, String reason) {}

    /** A connection closed by a deadline: {@code deadline} is "setup" (no subscribe/authorize in time) or "idle". */
    default void connectionTimedOut(String protocol, String deadline) {}

    /** An automatic ban: {@code reason} is "invalid_shares", "auth_failures", "protocol_errors" or "kick". */
    default void autoBan(String reason) {}

    /**
     * Block solutions dropped without a ledger write or a submission ({@link BlockSubmitter}): {@code reason}
     * is "superseded" (a block of ours on the same parent is on the node's active chain), "sibling_backlog"
     * (too many solutions on one parent waiting) or "busy" (too many parents in flight).
     */
    default void blockSolutionsDropped(String reason, int count) {}

    PoolMetrics NONE = new PoolMetrics() {
        @Override
        public void shareAccepted(String protocol, Difficulty difficulty) {}

        @Override
        public void shareRejected(String protocol, String reason) {}

        @Override
        public void blockFound(int height, org.templar.payout.BlockStatus status) {}

        @Override
        public void connectionOpened(String protocol) {}

        @Override
        public void connectionClosed(String protocol) {}

        @Override
        public void jobsBroadcast(String protocol, int sessions, long nanos) {}

        @Override
        public void outboundOverflow(String protocol, long pendingBytes) {}
    };
}
