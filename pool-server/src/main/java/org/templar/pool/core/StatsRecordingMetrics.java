package org.templar.pool.core;

import org.templar.payout.BlockStatus;
import org.templar.share.Difficulty;

/**
 * Passes every report on to the pool's metrics and also keeps {@link ShareStats} up to date, so the
 * live figures (hashrate, best share) come from the same events as the counters.
 */
public final class StatsRecordingMetrics implements PoolMetrics {
    private final PoolMetrics delegate;
    private final ShareStats stats;
    private final java.util.function.Consumer<org.templar.payout.BlockRecord> blockListener;

    public StatsRecordingMetrics(PoolMetrics delegate, ShareStats stats) {
        this(delegate, stats, b -> {});
    }

    /** @param blockListener also told of every block the ledger recorded (notifications) */
    public StatsRecordingMetrics(PoolMetrics delegate, ShareStats stats,
            java.util.function.Consumer<org.templar.payout.BlockRecord> blockListener) {
        this.delegate = delegate;
        this.stats = stats;
        this.blockListener = blockListener;
    }

    @Override
    public void blockRecorded(org.templar.payout.BlockRecord block) {
        delegate.blockRecorded(block);
        blockListener.accept(block);
    }

    @Override
    public void shareAccepted(String protocol, Difficulty difficulty) {
        delegate.shareAccepted(protocol, difficulty);
    }

    @Override
    public void shareRejected(String protocol, String reason) {
        delegate.shareRejected(protocol, reason);
    }

    @Override
    public void shareJudged(Worker worker, ShareVerdict verdict, Difficulty shareDifficulty, double achievedDifficulty) {
        // the statistics sum difficulties into hashrates: plain doubles from here on
        stats.record(worker == null ? null : worker.username(), verdict, shareDifficulty.value(), achievedDifficulty);
        delegate.shareJudged(worker, verdict, shareDifficulty, achievedDifficulty);
    }

    @Override
    public void shareOnTemplate(Worker worker, String templateSource, double revenueWeight, Difficulty difficulty) {
        stats.templates().share(worker == null ? null : worker.username(), templateSource, revenueWeight,
                difficulty.value());
        delegate.shareOnTemplate(worker, templateSource, revenueWeight, difficulty);
    }

    @Override
    public void jobDeclaration(String outcome, String connectionId) {
        stats.templates().declaration(outcome, connectionId);
        delegate.jobDeclaration(outcome, connectionId);
    }

    @Override
    public void blockFound(int height, BlockStatus status) {
        if (status == BlockStatus.ACCEPTED) {
            stats.roundEnded();
        }
        delegate.blockFound(height, status);
    }

    @Override
    public void connectionRefused(String protocol, String reason) {
        delegate.connectionRefused(protocol, reason);
    }

    @Override
    public void connectionTimedOut(String protocol, String deadline) {
        delegate.connectionTimedOut(protocol, deadline);
    }

    @Override
    public void autoBan(String reason) {
        delegate.autoBan(reason);
    }

    @Override
    public void blockSolutionsDropped(String reason, int count) {
        delegate.blockSolutionsDropped(reason, count);
    }

    @Override
    public void outboundOverflow(String protocol, long pendingBytes) {
        delegate.outboundOverflow(protocol, pendingBytes);
    }

    @Override
    public void connectionOpened(String protocol) {
        delegate.connectionOpened(protocol);
    }

    @Override
    public void connectionClosed(String protocol) {
        delegate.connectionClosed(protocol);
    }

    @Override
    public void jobsBroadcast(String protocol, int sessions, long nanos) {
        delegate.jobsBroadcast(protocol, sessions, nanos);
    }
}
