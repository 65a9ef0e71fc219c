package org.templar.pool.job;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.templar.payout.ShareRecord;
import org.templar.payout.coinbase.PayoutPlan;
import org.templar.pool.node.BlockTemplate;
import org.templar.share.DuplicateFilter;
import org.templar.share.Hex;
import org.templar.share.JobWork;
import org.templar.share.MerkleBranch;

/**
 * One unit of work handed to miners: a template, a payout plan and an extranonce size, with everything
 * precomputed once (coinbase halves, merkle branch, the Stratum V1 notify strings). Immutable apart
 * from its duplicate filter; shared by every session that mines it.
 */
public final class Job {
    private final JobId id;
    private final Template template;
    private final PayoutPlan payout;
    private final CoinbaseBuilder.Halves coinbase;
    private final JobWork work;
    private final DuplicateFilter duplicates;
    private final DuplicateScope duplicateScope;
    private final String prevHashSv1;
    private final String coinb1Hex;
    private final String coinb2Hex;
    private final List<String> branchHex;
    private final java.util.Map<Object, Object> encodings = new java.util.concurrent.ConcurrentHashMap<>();
    private final double revenueWeight;
    private final String templateSource;
    private final boolean poolHasTransactions;

    Job(JobId id, Template template, PayoutPlan payout, CoinbaseBuilder.Halves coinbase, int duplicateCapacity,
            DuplicateScope duplicateScope) {
        this(id, template, payout, coinbase, duplicateCapacity, duplicateScope, 1.0, ShareRecord.SOURCE_POOL, true);
    }

    private Job(JobId id, Template template, PayoutPlan payout, CoinbaseBuilder.Halves coinbase, int duplicateCapacity,
            DuplicateScope duplicateScope, double revenueWeight, String templateSource, boolean poolHasTransactions) {
        this.revenueWeight = revenueWeight;
        this.templateSource = templateSource;
        this.poolHasTransactions = poolHasTransactions;
        this.id = id;
        this.template = template;
        this.payout = payout;
        this.coinbase = coinbase;
        BlockTemplate t = template.blockTemplate();
        MerkleBranch branch = template.merkleBranch();
        this.work = JobWork.of(t.version(), t.previousBlockHash(), t.bits(), coinbase.prefix(), coinbase.suffix(), branch,
                coinbase.extranonceSize());
        this.duplicates = new DuplicateFilter(duplicateCapacity);
        this.duplicateScope = duplicateScope;
        duplicateScope.join(duplicates);
        this.prevHashSv1 = wordSwappedHex(t.previousBlockHash());
        this.coinb1Hex = Hex.encode(coinbase.prefix());
        this.coinb2Hex = Hex.encode(coinbase.suffix());
        List<String> b = new ArrayList<>(branch.size());
        for (int i = 0; i < branch.size(); i++) {
            b.add(Hex.encode(branch.step(i)));
        }
        this.branchHex = List.copyOf(b);
    }

    /**
     * A job a miner declared through Job Declaration and set with SetCustomMiningJob: its template is
     * the miner's, its coinbase the miner's, and its shares are credited at {@code revenueWeight}.
     *
     * @param template the declared block (transactions with data in Full-Template mode; none in
     *     Coinbase-only mode, where {@code branch} is the miner's merkle path)
     * @param poolHasTransactions whether the pool can assemble a solved block itself (Full-Template)
     */
    public static Job declared(JobId id, BlockTemplate template, MerkleBranch branch, PayoutPlan payout,
            CoinbaseBuilder.Halves coinbase, int duplicateCapacity, double revenueWeight, String templateSource,
            boolean poolHasTransactions) {
        Template t = new Template(0, template, branch, false, null, null);
        // a declared job is the only job of its work: it has a duplicate scope of its own
        return new Job(id, t, payout, coinbase, duplicateCapacity, new DuplicateScope(), revenueWeight, templateSource,
                poolHasTransactions);
    }

    /** The fraction of a share's difficulty that counts for payouts (1 on the pool's own jobs). */
    public double revenueWeight() {
        return revenueWeight;
    }

    /** Who chose this job's template ({@link ShareRecord#SOURCE_POOL} or a miner's declaration). */
    public String templateSource() {
        return templateSource;
    }

    /**
     * Whether the pool holds every transaction of the block, so it can assemble and submit a solve.
     * False for Coinbase-only declared jobs: the miner's own node propagates those blocks.
     */
    public boolean poolHasTransactions() {
        return poolHasTransactions;
    }

    /**
     * Stratum V1's prevhash: the internal-order hash with the bytes of each 4-byte word reversed
     * (equivalently, GBT's display hex with the order of its 4-byte groups reversed).
     */
    public static String wordSwappedHex(byte[] internal) {
        byte[] out = new byte[32];
        for (int w = 0; w < 8; w++) {
            for (int i = 0; i < 4; i++) {
                out[4 * w + i] = internal[4 * w + 3 - i];
            }
        }
        return Hex.encode(out);
    }

    public JobId id() {
        return id;
    }

    public Template template() {
        return template;
    }

    public PayoutPlan payout() {
        return payout;
    }

    public JobWork work() {
        return work;
    }

    /**
     * Records a share's header hash for duplicate detection across every job of the same work (see
     * {@link DuplicateScope}), not just this job id. Allocation-free.
     */
    public DuplicateScope.Seen recordShare(byte[] headerHash) {
        return duplicateScope.record(duplicates, headerHash);
    }

    /**
     * Forgets a share recorded by {@link #recordShare}: the ledger could not keep it and its miner is
     * told to resend it, which must then count, not be refused as a duplicate.
     */
    public void forgetShare(byte[] headerHash) {
        duplicateScope.forget(duplicates, headerHash);
    }

    /** True if this header hash was recorded under this job or another job of the same work. */
    public boolean seen(byte[] headerHash) {
        return duplicateScope.contains(headerHash);
    }

    /** This job's own filter (its shares alone; sizes and metrics). */
    public DuplicateFilter duplicates() {
        return duplicates;
    }

    public CoinbaseBuilder.Halves coinbase() {
        return coinbase;
    }

    public int height() {
        return template.blockTemplate().height();
    }

    public int version() {
        return template.blockTemplate().version();
    }

    public int nbits() {
        return template.blockTemplate().bits();
    }

    /** The ntime the job is announced with (the template's curtime). */
    public int ntime() {
        return (int) template.blockTemplate().curTime();
    }

    public long minTime() {
        return template.blockTemplate().minTime();
    }

    public long coinbaseValue() {
        return template.blockTemplate().coinbaseValue();
    }

    public String prevHashSv1() {
        return prevHashSv1;
    }

    public String coinb1Hex() {
        return coinb1Hex;
    }

    public String coinb2Hex() {
        return coinb2Hex;
    }

    public List<String> merkleBranchHex() {
        return branchHex;
    }

    /**
     * A protocol's encoding of this job, built once and shared by every session that mines it (the
     * Stratum V1 notify line, for instance): the new-block fan-out then costs a write per session,
     * not a serialization. {@code key} must identify the encoding, including any per-send flag.
     */
    @SuppressWarnings("unchecked")
    public <T> T encoding(Object key, java.util.function.Function<Job, T> make) {
        return (T) encodings.computeIfAbsent(key, k -> make.apply(this));
    }

    /**
     * The full serialized block for a solved share: header, transaction count, coinbase (witness form
     * when the block commits to witnesses) and the template's transactions. Cold path.
     */
    public byte[] assembleBlock(byte[] extranonce, byte[] header80) {
        List<BlockTemplate.Tx> txs = template.blockTemplate().transactions();
        ByteArrayOutputStream out = new ByteArrayOutputStream(80 + 300 + txs.stream().mapToInt(t -> t.data().length).sum());
        out.writeBytes(header80);
        Bytes.Writer count = new Bytes.Writer().varInt(1 + txs.size());
        out.writeBytes(count.toByteArray());
        out.writeBytes(coinbase.withWitness(extranonce));
        for (BlockTemplate.Tx tx : txs) {
            out.writeBytes(tx.data());
        }
        return out.toByteArray();
    }

    @Override
    public String toString() {
        return "Job[" + id + " h=" + height() + " pays " + payout.describe() + "]";
    }
}
