package org.templar.ops;

import java.util.List;
import java.util.Locale;
import org.templar.ops.dashboard.Dashboard;
import org.templar.payout.BlockRecord;
import org.templar.payout.WorkerStats;
import org.templar.pool.core.ShareStats;
import org.templar.pool.job.Template;

/** What the running pool shows on its dashboard. */
final class DashboardSource implements Dashboard.Source {
    private final PoolRuntime pool;

    DashboardSource(PoolRuntime pool) {
        this.pool = pool;
    }

    @Override
    public String network() {
        return pool.config().network().toString().toLowerCase(Locale.ROOT);
    }

    @Override
    public String payoutMode() {
        return pool.config().pool().mode().name().toLowerCase(Locale.ROOT);
    }

    @Override
    public Template template() {
        return pool.templates().current();
    }

    @Override
    public ShareStats stats() {
        return pool.stats();
    }

    @Override
    public List<WorkerStats> workerStats(String account) {
        return pool.ledger().workerStats(account);
    }

    /**
     * Accepted difficulty of the last 24 hours per template source, once a miner-declared template
     * had any (until then the pool page shows no decentralization panel: every template is the pool's).
     */
    @Override
    public java.util.Map<String, Double> difficultyByTemplateSource() {
        java.util.Map<String, Double> out = new java.util.TreeMap<>();
        boolean declared = false;
        for (var s : pool.stats().templates().sources()) {
            if (s.difficulty24h() > 0) {
                out.put(s.source(), s.difficulty24h());
                declared |= !s.source().equals(org.templar.pool.core.TemplateSourceStats.POOL);
            }
        }
        return declared ? out : java.util.Map.of();
    }

    @Override
    public org.templar.payout.Balance balance(String account) {
        return new org.templar.payout.PayoutLedger(pool.ledger()).balance(account);
    }

    @Override
    public List<org.templar.payout.PayoutLedger.Payment> payments(String account, int limit) {
        return new org.templar.payout.PayoutLedger(pool.ledger()).payments(account, limit);
    }

    @Override
    public List<BlockRecord> recentBlocks(int limit) {
        return pool.ledger().recentBlocks(limit);
    }
}
