package org.templar.pool.sv2.jds;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.templar.payout.ShareRecord;
import org.templar.pool.core.Worker;
import org.templar.pool.job.Job;
import org.templar.payout.coinbase.PayoutPlan;
import org.templar.pool.job.JobId;
import org.templar.pool.job.Template;
import org.templar.payout.coinbase.TxOut;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.sv2.codec.Sv2Mining.SetCustomMiningJob;
import org.templar.pool.sv2.codec.U256;
import org.templar.share.MerkleBranch;

/**
 * Turns a SetCustomMiningJob into a {@link Job} the share path can judge, or refuses it. Full-Template:
 * the token must be one DeclareMiningJob.Success gave the same user, and the job must repeat the
 * declared one (prevhash, nbits, version apart from the rollable bits, the coinbase field by field,
 * outputs in the same order, merkle path). Coinbase-only (operator policy): the token must be an
 * allocated one of the same user, the job must build on the pool's tip, and its coinbase must pay the
 * pool output the policy's share of a plausible value.
 */
public final class CustomJobCheck {
    private CustomJobCheck() {}

    /** A refusal: SetCustomMiningJob.Error's code; the message is for the log. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final String code;

        Refused(String code, String detail) {
            super(detail);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** Who a declared job's coinbase pays, as the ledger's block record describes it. */
    record DeclaredPayout(String describe, List<TxOut> outputs) implements PayoutPlan {
        @Override
        public List<TxOut> outputs(long coinbaseValue) {
            return outputs;
        }
    }

    /**
     * @param extranonceSize the channel's full extranonce size (its prefix plus the miner's part)
     * @param current the pool's current template (its tip is where custom jobs must build)
     */
    public static Job check(SetCustomMiningJob j, Worker worker, int extranonceSize, Template current,
            MiningJobTokens tokens, JdsSettings settings, int versionMask, JobId jobId, int duplicateCapacity)
            throws Refused {
        Optional<DeclaredJob> declared = tokens.declared(j.miningJobToken());
        if (declared.isPresent()) {
            return fullTemplate(j, declared.get(), worker, extranonceSize, current, versionMask, jobId, duplicateCapacity);
        }
        Optional<MiningJobTokens.Allocation> allocated = tokens.allocation(j.miningJobToken());
        if (allocated.isPresent() && !allocated.get().fullTemplate()) {
            return coinbaseOnly(j, allocated.get(), worker, extranonceSize, current, settings, jobId, duplicateCapacity);
        }
        throw new Refused(JdsErrorCodes.INVALID_MINING_JOB_TOKEN, allocated.isPresent()
                ? "a Full-Template token must be declared (DeclareMiningJob) before it sets a job"
                : "unknown or expired token");
    }

    private static Job fullTemplate(SetCustomMiningJob j, DeclaredJob d, Worker worker, int extranonceSize,
            Template current, int versionMask, JobId jobId, int duplicateCapacity) throws Refused {
        if (!d.user().equals(worker.user())) {
            throw new Refused(JdsErrorCodes.INVALID_MINING_JOB_TOKEN, "token of user " + d.user() + " presented by "
                    + worker.user());
        }
        if (!Arrays.equals(d.prevHash().toArray(), j.prevHash().toArray())) {
            throw mismatch("prev_hash", "differs from the declared job's");
        }
        if (current == null || !Arrays.equals(current.blockTemplate().previousBlockHash(), d.prevHash().toArray())) {
            throw mismatch("prev_hash", "the chain moved on since the job was declared");
        }
        if (d.nbits() != (int) j.nbits()) {
            throw mismatch("nbits", "differs from the declared job's");
        }
        if (((j.version() ^ d.version()) & ~(versionMask & 0xffffffffL)) != 0) {
            throw mismatch("version", "differs from the declared job's beyond the rollable bits");
        }
        DeclaredCoinbase cb = coinbaseOf(j, extranonceSize);
        String field = d.coinbase().firstDifference(cb);
        if (field != null) {
            throw mismatch(field, "differs from the declared coinbase");
        }
        if (!samePath(d.branch(), j.merklePath())) {
            throw mismatch("merkle_path", "is not the path of the declared transactions");
        }
        BlockTemplate bt = new BlockTemplate((int) j.version(), d.prevHash().toArray(), d.transactions(),
                cb.outputs().totalValue(), d.nbits(), d.height(), j.minNtime(), j.minNtime(), Optional.empty(), "");
        // With extension 0x0003 under TIDES, the job carries the plan its payout outputs came from, so a
        // block solved on it is credited (and the carries it pays are used up) like the pool's own blocks.
        PayoutPlan payout = d.jobPayout().orElseGet(() -> payout(d.payoutScript().toHex(), cb));
        return Job.declared(jobId, bt, d.branch(), payout, cb.halves(), duplicateCapacity,
                d.revenueWeight(), ShareRecord.SOURCE_JD_FULL, true);
    }

    private static Job coinbaseOnly(SetCustomMiningJob j, MiningJobTokens.Allocation a, Worker worker,
            int extranonceSize, Template current, JdsSettings settings, JobId jobId, int duplicateCapacity)
            throws Refused {
        if (!a.user().equals(worker.user())) {
            throw new Refused(JdsErrorCodes.INVALID_MINING_JOB_TOKEN, "token of user " + a.user() + " presented by "
                    + worker.user());
        }
        if (!settings.coinbaseOnlyAllowed()) {
            throw new Refused(JdsErrorCodes.INVALID_MINING_JOB_TOKEN, "this pool does not take Coinbase-only jobs");
        }
        if (current == null) {
            throw mismatch("prev_hash", "the pool has no template yet");
        }
        BlockTemplate pool = current.blockTemplate();
        if (!Arrays.equals(pool.previousBlockHash(), j.prevHash().toArray())) {
            throw mismatch("prev_hash", "is not the pool's chain tip");
        }
        if (pool.bits() != (int) j.nbits()) {
            throw mismatch("nbits", "is not the next block's");
        }
        DeclaredCoinbase cb = coinbaseOf(j, extranonceSize);
        if (cb.height() != pool.height()) {
            throw mismatch("coinbase_prefix", "does not begin with the BIP34 height " + pool.height());
        }
        long value = cb.outputs().totalValue();
        long subsidy = pool.coinbaseValue() - pool.totalFees();
        if (value > subsidy + settings.coinbaseOnlyFeeCeilingSats()) {
            throw mismatch("coinbase_tx_outputs", "claims " + value + " sat, more than the subsidy " + subsidy
                    + " plus this pool's fee ceiling " + settings.coinbaseOnlyFeeCeilingSats());
        }
        long poolOutput = cb.outputs().valueTo(a.payoutScript().toArray());
        double share = DeclaredJob.weight(poolOutput, value);
        if (poolOutput <= 0 || share < settings.coinbaseOnlyMinShare()) {
            throw mismatch("coinbase_tx_outputs", "pays the pool output " + poolOutput + " of " + value
                    + " sat; this pool requires a share of " + settings.coinbaseOnlyMinShare());
        }
        List<byte[]> steps = new ArrayList<>();
        for (U256 s : j.merklePath()) {
            steps.add(s.toArray());
        }
        MerkleBranch branch = MerkleBranch.of(steps);
        BlockTemplate bt = new BlockTemplate((int) j.version(), j.prevHash().toArray(), List.of(), value, pool.bits(),
                pool.height(), j.minNtime(), j.minNtime(), Optional.empty(), "");
        return Job.declared(jobId, bt, branch, payout(a.payoutScript().toHex(), cb), cb.halves(), duplicateCapacity,
                share, ShareRecord.SOURCE_JD_COINBASE, false);
    }

    private static DeclaredCoinbase coinbaseOf(SetCustomMiningJob j, int extranonceSize) throws Refused {
        try {
            return DeclaredCoinbase.fromCustomJob(j, extranonceSize);
        } catch (DeclaredCoinbase.Invalid e) {
            throw mismatch(e.field(), e.getMessage());
        }
    }

    private static PayoutPlan payout(String poolScriptHex, DeclaredCoinbase cb) {
        return new DeclaredPayout("declared job, pool output " + poolScriptHex, cb.outputs().outputs());
    }

    private static boolean samePath(MerkleBranch branch, List<U256> path) {
        if (branch.size() != path.size()) {
            return false;
        }
        for (int i = 0; i < path.size(); i++) {
            if (!Arrays.equals(branch.step(i), path.get(i).toArray())) {
                return false;
            }
        }
        return true;
    }

    private static Refused mismatch(String field, String detail) {
        return new Refused(JdsErrorCodes.invalidParam(field), field + " " + detail);
    }
}
