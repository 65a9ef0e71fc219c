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
    private final Supplier<JobId> jobIds;
    private final Map<Key, Job> jobs = new ConcurrentHashMap<>();
    /**
     * Duplicate scopes per job key, shared with every template of the same work (see
     * {@link #sameWork}): a job here and a job for the same key on such a template accept the same
     * headers, so they must refuse each other's shares.
     */
    private final Map<Key, DuplicateScope> scopes;
    private final CoinbaseMaker coinbaseMaker;
    private PayoutPlan planned; // set once by the constructor, before the template is published

    /**
     * Builds the coinbase halves of a job in place of the pool's own layout: the miner-side proxy uses it
     * for jobs it declares to a pool (the pool's outputs, the channel's extranonce prefix).
     */
    public interface CoinbaseMaker {
        CoinbaseBuilder.Halves make(BlockTemplate template, PayoutPlan plan, int extranonceSize);
    }

    private record Key(PayoutPlan plan, int extranonceSize) {}

    Template(long sequence, BlockTemplate blockTemplate, boolean newTip, JobSettings settings, Supplier<JobId> jobIds) {
        this(sequence, blockTemplate, newTip, settings, jobIds, null, null);
    }

    /**
     * @param sameWorkAs an earlier template whose work this one repeats (its jobs get fresh ids but
     *     share duplicate detection with that template's jobs), or null
     * @param coinbaseMaker the coinbase layout of this template's jobs, or null for the pool's own
     */
    Template(long sequence, BlockTemplate blockTemplate, boolean newTip, JobSettings settings, Supplier<JobId> jobIds,
            Template sameWorkAs, CoinbaseMaker coinbaseMaker) {
        this(sequence, blockTemplate, newTip, settings, jobIds, sameWorkAs, coinbaseMaker, null);
    }

    /**
     * @param planned the payout every job of this template uses whatever plan a session asks for (an
     *     in-coinbase scheme's plan for this template, see {@link TemplateSource#usePayoutPlanner}), or null
     */
    Template(long sequence, BlockTemplate blockTemplate, boolean newTip, JobSettings settings, Supplier<JobId> jobIds,
            Template sameWorkAs, CoinbaseMaker coinbaseMaker, PayoutPlan planned) {
        this(sequence, blockTemplate, MerkleBranch.forCoinbase(blockTemplate.txids()), newTip, settings, jobIds,
                sameWorkAs, coinbaseMaker);
        this.planned = planned;
    }

    /**
     * A template whose merkle branch is given rather than computed: a miner-declared job in
     * Coinbase-only mode, where the pool never sees the transactions (settings and jobIds are null
     * there: such a template carries exactly one job, built by {@link Job#declared}).
     */
    Template(long sequence, BlockTemplate blockTemplate, MerkleBranch merkleBranch, boolean newTip,
            JobSettings settings, Supplier<JobId> jobIds) {
        this(sequence, blockTemplate, merkleBranch, newTip, settings, jobIds, null, null);
    }

    private Template(long sequence, BlockTemplate blockTemplate, MerkleBranch merkleBranch, boolean newTip,
            JobSettings settings, Supplier<JobId> jobIds, Template sameWorkAs, CoinbaseMaker coinbaseMaker) {
        if (sameWorkAs != null && !sameWork(sameWorkAs.blockTemplate, blockTemplate)) {
            throw new IllegalArgumentException("template " + sameWorkAs.sequence + " is other work");
        }
        this.scopes = sameWorkAs != null ? sameWorkAs.scopes : new ConcurrentHashMap<>();
        this.coinbaseMaker = coinbaseMaker;
        this.sequence = sequence;
        this.blockTemplate = blockTemplate;
        this.merkleBranch = merkleBranch;
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
    public Job jobFor(PayoutPlan requested, int extranonceSize) {
        if (settings == null) {
            throw new IllegalStateException("a miner-declared template has only its declared job");
        }
        PayoutPlan plan = planned != null ? planned : requested;
        return jobs.computeIfAbsent(new Key(plan, extranonceSize), k -> new Job(jobIds.get(), this, plan,
                coinbaseMaker != null ? coinbaseMaker.make(blockTemplate, plan, extranonceSize)
                        : CoinbaseBuilder.build(blockTemplate.height(), extranonceSize, settings.poolTag(),
                                plan.outputs(blockTemplate.coinbaseValue()), blockTemplate.defaultWitnessCommitment(),
                                settings.maxCoinbaseSize()),
                settings.duplicateCapacity(), scopes.computeIfAbsent(k, x -> new DuplicateScope())));
    }
    /**
     * Whether two node templates give miners exactly the same work, so that announcing the second
     * would only hand out the same headers under new job ids. Everything a job's header or coinbase is
     * built from must match: the previous block, version and nbits (header fields), the height (BIP34
     * push), the coinbase value (payout outputs), the transactions in order (the merkle branch, by
     * txid) and the witness commitment (which also catches a transaction whose witness changed under
     * the same txid). What may differ is what does not reach the work: {@code curtime} (miners roll
     * ntime themselves; a fresher clock alone is no reason to re-announce), {@code mintime} (fixed by
     * the previous block anyway), fees per transaction beyond their sum, and the long-poll id.
     */
    public static boolean sameWork(BlockTemplate a, BlockTemplate b) {
        if (a.version() != b.version() || a.bits() != b.bits() || a.height() != b.height()
                || a.coinbaseValue() != b.coinbaseValue()
                || !java.util.Arrays.equals(a.previousBlockHash(), b.previousBlockHash())
                || a.defaultWitnessCommitment().isPresent() != b.defaultWitnessCommitment().isPresent()
                || a.transactions().size() != b.transactions().size()) {
            return false;
        }
        if (a.defaultWitnessCommitment().isPresent()
                && !java.util.Arrays.equals(a.defaultWitnessCommitment().get(), b.defaultWitnessCommitment().get())) {
            return false;
        }
        for (int i = 0; i < a.transactions().size(); i++) {
            if (!java.util.Arrays.equals(a.transactions().get(i).txid(), b.transactions().get(i).txid())) {
                return false;
            }
        }
        return true;
    }

    /** The payout every pool job of this template uses (an in-coinbase scheme's plan), or null. */
    public PayoutPlan planned() {
        return planned;
    }

    /** The coinbase layout this template's jobs use, or null for the pool's own. */
    public CoinbaseMaker coinbaseMaker() {
        return coinbaseMaker;
    }

    public int jobCount() {
        return jobs.size();
    }
}
