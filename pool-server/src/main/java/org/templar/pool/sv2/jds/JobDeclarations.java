package org.templar.pool.sv2.jds;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.Worker;
import org.templar.pool.job.Job;
import org.templar.pool.job.JobId;
import org.templar.pool.job.Template;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.node.BoundedCalls;
import org.templar.pool.node.NodeGroup;
import org.templar.pool.sv2.codec.Bytes;
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
    /** Node calls made per transaction or input (lookups, fees, the mempool view): a few at a time. */
    private final BoundedCalls nodeCalls = new BoundedCalls(NODE_CALLS_IN_FLIGHT);
    private final MempoolView mempool = new MempoolView(nodeCalls, System::nanoTime);
    private final AtomicReference<TemplateIndex> templateIndex = new AtomicReference<>();

    /** Below Core's smallest default RPC work queue, so the pool's other calls still get through. */
    static final int NODE_CALLS_IN_FLIGHT = 4;

    /** The transactions of one template by wtxid, built once per template for all declarations on it. */
    private record TemplateIndex(Template template, Map<Bytes, BlockTemplate.Tx> byWtxid) {}

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

    /**
     * The payout outputs extension 0x0003 answers with: the outputs the pool's current plan puts in a
     * coinbase, dividing exactly {@code value} sat, within {@code outputBytes} of serialized outputs.
     */
    @FunctionalInterface
    public interface PayoutOutputs {
        /**
         * @param poolScript the pool payout output of the token (what schemes paid outside the coinbase use)
         * @return outputs summing to {@code value}, or empty when they cannot fit in {@code outputBytes}
         */
        java.util.Optional<Answer> outputs(long value, BlockTemplate template, int outputBytes, Bytes poolScript);

        /**
         * The outputs, and the plan a job paying them carries: an in-coinbase scheme's plan (TIDES), with
         * which a block solved on the declared job is credited at once, as the pool's own blocks are.
         * Empty for schemes that credit blocks once the chain has them.
         */
        record Answer(java.util.List<org.templar.payout.coinbase.TxOut> outputs,
                java.util.Optional<org.templar.payout.coinbase.PayoutPlan> jobPayout) {
            public Answer {
                outputs = java.util.List.copyOf(outputs);
                Objects.requireNonNull(jobPayout, "jobPayout");
            }
        }

        /** Schemes paid outside the coinbase: everything to the pool payout output. */
        PayoutOutputs POOL_OUTPUT = (value, template, outputBytes, poolScript) -> {
            var out = new org.templar.payout.coinbase.TxOut(value, poolScript.toArray());
            return out.serializedSize() <= outputBytes
                    ? java.util.Optional.of(new Answer(java.util.List.of(out), java.util.Optional.empty()))
                    : java.util.Optional.empty();
        };
    }

    private volatile PayoutOutputs payoutOutputs = PayoutOutputs.POOL_OUTPUT;

    /** The in-coinbase scheme's planner (TIDES), replacing the single pool output. */
    public void usePayoutOutputs(PayoutOutputs planner) {
        this.payoutOutputs = Objects.requireNonNull(planner, "planner");
    }

    public PayoutOutputs payoutOutputs() {
        return payoutOutputs;
    }

    /** Whether the payout outputs are an in-coinbase scheme's (so the token reserves room for them). */
    public boolean payoutsInCoinbase() {
        return payoutOutputs != PayoutOutputs.POOL_OUTPUT;
    }

    /** The JDS's index of the pool node's mempool. */
    public MempoolView mempool() {
        return mempool;
    }

    public BoundedCalls nodeCalls() {
        return nodeCalls;
    }

    /** {@code template}'s transactions by wtxid (internal byte order); the map is shared, do not change it. */
    Map<Bytes, BlockTemplate.Tx> transactionsOf(Template template) {
        TemplateIndex i = templateIndex.get();
        if (i != null && i.template() == template) {
            return i.byWtxid();
        }
        Map<Bytes, BlockTemplate.Tx> map = new HashMap<>();
        for (BlockTemplate.Tx t : template.blockTemplate().transactions()) {
            map.put(Bytes.of(t.wtxid()), t);
        }
        Map<Bytes, BlockTemplate.Tx> shared = java.util.Collections.unmodifiableMap(map);
        templateIndex.set(new TemplateIndex(template, shared));
        return shared;
    }

    /**
     * A new template was published: the node's mempool has changed, so the mempool view catches up in
     * the background, and the template's index is built before the first declaration needs it.
     */
    public void onTemplate(Template template) {
        transactionsOf(template);
        mempool.fresh(nodes.primary(), java.time.Duration.ZERO);
    }

    /** A SetCustomMiningJob checked against its token, as a job for the share path (see {@link CustomJobCheck}). */
    public Job customJob(SetCustomMiningJob j, Worker worker, int extranonceSize, JobId jobId, int duplicateCapacity)
            throws CustomJobCheck.Refused {
        return CustomJobCheck.check(j, worker, extranonceSize, pool.currentTemplate().get(), tokens, settings,
                pool.versionMask(), jobId, duplicateCapacity);
    }
}
