package org.templar.pool.sv2.jds;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.templar.payout.coinbase.PayoutPlan;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.share.MerkleBranch;

/**
 * A Full-Template job the JDS accepted: what SetCustomMiningJob must repeat, and what the pool needs
 * to rebuild a solved block. Immutable (its byte arrays are never handed out for writing).
 *
 * @param token new_mining_job_token, the key SetCustomMiningJob presents
 * @param prevHash the tip the job was checked on (internal byte order)
 * @param transactions the declared transactions in order, with data and fees
 * @param revenueSats subsidy plus the fees of the declared transactions
 * @param poolOutputSats what the coinbase pays to the pool payout output
 * @param jobPayout the in-coinbase scheme's plan behind extension 0x0003's payout outputs, which a block
 *     on this job is credited with; empty when the scheme credits blocks later
 */
public record DeclaredJob(Bytes token, String user, String connectionId, Bytes payoutScript, long version,
        Bytes prevHash, int nbits, int height, long ntime, DeclaredCoinbase coinbase,
        List<BlockTemplate.Tx> transactions, MerkleBranch branch, long revenueSats, long poolOutputSats,
        Optional<PayoutPlan> jobPayout, Instant expires) {

    public DeclaredJob {
        transactions = List.copyOf(transactions);
        java.util.Objects.requireNonNull(jobPayout, "jobPayout");
    }

    /** The fraction of the template's revenue that goes to the pool payout output, at most 1. */
    public double revenueWeight() {
        return weight(poolOutputSats, revenueSats);
    }

    static double weight(long poolOutput, long revenue) {
        return revenue <= 0 ? 0 : Math.min(1.0, (double) poolOutput / revenue);
    }

    /** Everything but the token and expiry, which the registry assigns. */
    public record Builder(String user, String connectionId, Bytes payoutScript, long version, Bytes prevHash,
            int nbits, int height, long ntime, DeclaredCoinbase coinbase, List<BlockTemplate.Tx> transactions,
            MerkleBranch branch, long revenueSats, long poolOutputSats, Optional<PayoutPlan> jobPayout) {
        DeclaredJob build(Bytes token, Instant expires) {
            return new DeclaredJob(token, user, connectionId, payoutScript, version, prevHash, nbits, height, ntime,
                    coinbase, transactions, branch, revenueSats, poolOutputSats, jobPayout, expires);
        }
    }
}
