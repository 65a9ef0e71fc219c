package org.templar.pool.sv2.jds;

import java.time.Clock;
import java.util.Objects;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.Worker;
import org.templar.pool.job.Job;
import org.templar.pool.node.NodeGroup;
import org.templar.pool.sv2.codec.Sv2Mining.SetCustomMiningJob;

/**
 * The pool's Job Declaration state shared by the JDS listener and the SV2 mining listener: the
 * operator's policy, the token registry, and the pool's nodes (for the declaration checks and for
 * blocks pushed with PushSolution). One per running pool; thread-safe.
 */
public final class JobDeclarations {
    private final PoolContext pool;
    private final NodeGroup nodes;
    private final JdsSettings settings;
    private final MiningJobTokens tokens;

    public JobDeclarations(PoolContext pool, NodeGroup nodes, JdsSettings settings, Clock clock) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.nodes = Objects.requireNonNull(nodes, "nodes");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.tokens = new MiningJobTokens(settings.tokenLifetime(), clock);
    }

    public PoolContext pool() {
        return pool;
    }

    public NodeGroup nodes() {
        return nodes;
    }

    public JdsSettings settings() {
        return settings;
    }

    public MiningJobTokens tokens() {
        return tokens;
    }

    /** A SetCustomMiningJob checked against its token, as a job for the share path (see {@link CustomJobCheck}). */
    public Job customJob(SetCustomMiningJob j, Worker worker, int extranonceSize, String jobId, int duplicateCapacity)
            throws CustomJobCheck.Refused {
        return CustomJobCheck.check(j, worker, extranonceSize, pool.currentTemplate().get(), tokens, settings,
                pool.versionMask(), jobId, duplicateCapacity);
    }
}
