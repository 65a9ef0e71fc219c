package org.templar.pool.job;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.templar.payout.coinbase.PayoutPlan;
import org.templar.pool.node.BlockTemplate;
import org.templar.share.MerkleBranch;

/**
 * A block template as published to the sessions: the node's template, its merkle branch (computed
 * once), whether it starts a new chain tip ({@code cleanJobs}), and the jobs built from it, cached per
 * (payout plan, extranonce size) so that every session paying the same script shares one job.
 */
public final class Template {
    private final long sequence;
    private final BlockTemplate blockTemplate;
    private final MerkleBranch merkleBranch;
    private final boolean newTip;
    private final JobSettings settings;
    private final Supplier<String> jobIds;
    private final Map<Key, Job> jobs = new ConcurrentHashMap<>();

    private record Key(PayoutPlan plan, int extranonceSize) {}

    Template(long sequence, BlockTemplate blockTemplate, boolean newTip, JobSettings settings, Supplier<String> jobIds) {
        this.sequence = sequence;
        this.blockTemplate = blockTemplate;
        this.merkleBranch = MerkleBranch.forCoinbase(blockTemplate.txids());
        this.newTip = newTip;
        this.settings = settings;
        this.jobIds = jobIds;
    }

    public long sequence() {
        return sequence;
    }

    public BlockTemplate blockTemplate() {
        return blockTemplate;
    }

    public MerkleBranch merkleBranch() {
        return merkleBranch;
    }

    /** True when this template is the first on a new previous block: older jobs are stale. */
    public boolean newTip() {
        return newTip;
    }

    /** The job paying {@code plan} with {@code extranonceSize} bytes of extranonce, built once. */
    public Job jobFor(PayoutPlan plan, int extranonceSize) {
        return jobs.computeIfAbsent(new Key(plan, extranonceSize), k -> new Job(jobIds.get(), this, plan,
                CoinbaseBuilder.build(blockTemplate.height(), extranonceSize, settings.poolTag(),
                        plan.outputs(blockTemplate.coinbaseValue()), blockTemplate.defaultWitnessCommitment(),
                        settings.maxCoinbaseSize()),
                settings.duplicateCapacity()));
    }

    public int jobCount() {
        return jobs.size();
    }
}
