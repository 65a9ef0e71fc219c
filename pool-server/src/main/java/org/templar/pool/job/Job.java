package org.templar.pool.job;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
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
    private final String id;
    private final Template template;
    private final PayoutPlan payout;
    private final CoinbaseBuilder.Halves coinbase;
    private final JobWork work;
    private final DuplicateFilter duplicates;
    private final String prevHashSv1;
    private final String coinb1Hex;
    private final String coinb2Hex;
    private final List<String> branchHex;
    private final java.util.Map<Object, Object> encodings = new java.util.concurrent.ConcurrentHashMap<>();

    Job(String id, Template template, PayoutPlan payout, CoinbaseBuilder.Halves coinbase, int duplicateCapacity) {
        this.id = id;
        this.template = template;
        this.payout = payout;
        this.coinbase = coinbase;
        BlockTemplate t = template.blockTemplate();
        MerkleBranch branch = template.merkleBranch();
        this.work = JobWork.of(t.version(), t.previousBlockHash(), t.bits(), coinbase.prefix(), coinbase.suffix(), branch,
                coinbase.extranonceSize());
        this.duplicates = new DuplicateFilter(duplicateCapacity);
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

    public String id() {
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
