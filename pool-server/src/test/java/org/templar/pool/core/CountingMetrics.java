package org.templar.pool.core;

import java.util.ArrayList;
import java.util.List;
import org.templar.payout.BlockStatus;
import org.templar.share.Difficulty;

/** Pool metrics that remember what they were told (thread-safe enough for one session's tests). */
public final class CountingMetrics implements PoolMetrics {
    public final List<Double> accepted = new ArrayList<>();
    public final List<String> rejected = new ArrayList<>();
    public final List<ShareVerdict> judged = new ArrayList<>();
    public final java.util.Map<String, Integer> solutionsDropped = new java.util.TreeMap<>();

    @Override
    public synchronized void shareAccepted(String protocol, Difficulty difficulty) {
        accepted.add(difficulty.value());
    }

    @Override
    public synchronized void shareRejected(String protocol, String reason) {
        rejected.add(reason);
    }

    @Override
    public synchronized void shareJudged(Worker worker, ShareVerdict verdict, Difficulty shareDifficulty,
            double achievedDifficulty) {
        judged.add(verdict);
    }

    @Override
    public void blockFound(int height, BlockStatus status) {}

    @Override
    public void connectionOpened(String protocol) {}

    @Override
    public void connectionClosed(String protocol) {}

    @Override
    public void jobsBroadcast(String protocol, int sessions, long nanos) {}

    @Override
    public void outboundOverflow(String protocol, long pendingBytes) {}

    @Override
    public synchronized void blockSolutionsDropped(String reason, int count) {
        solutionsDropped.merge(reason, count, Integer::sum);
    }
}
