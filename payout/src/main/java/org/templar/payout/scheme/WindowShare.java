package org.templar.payout.scheme;

import java.util.Objects;
import org.templar.payout.ShareRecord;

/**
 * One share as a payout scheme sees it.
 *
 * @param account who gets paid for it (the part of the username before the first '.'; an address
 *     in solo and in-coinbase schemes)
 * @param worker the full username, kept for per-rig reports
 * @param difficulty the difficulty the share was accepted at, what it is credited for
 * @param revenueWeight in [0, 1]: the fraction of a share's value the pool pays for it. 1 for jobs
 *     the pool built; lower for jobs a miner declared itself (Job Declaration), whose template may
 *     earn the pool less than its own would
 */
public record WindowShare(String account, String worker, double difficulty, double revenueWeight) {
    public WindowShare {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(worker, "worker");
        if (account.isEmpty()) {
            throw new IllegalArgumentException("account must not be empty");
        }
        if (!(difficulty > 0) || Double.isInfinite(difficulty)) {
            throw new IllegalArgumentException("difficulty must be a positive finite number: " + difficulty);
        }
        if (!(revenueWeight >= 0 && revenueWeight <= 1)) {
            throw new IllegalArgumentException("revenueWeight must be in [0, 1]: " + revenueWeight);
        }
    }

    /** A share on a job the pool built: full revenue weight. */
    public static WindowShare of(String worker, double difficulty) {
        return new WindowShare(ShareRecord.userOf(worker), worker, difficulty, 1.0);
    }

    /**
     * The ledger's record of a share, with the revenue weight it was credited at (below 1 on a job a
     * miner declared that gives the pool output less than the template's revenue).
     */
    public static WindowShare of(ShareRecord share) {
        return new WindowShare(share.user(), share.worker(), share.shareDifficulty(), share.revenueWeight());
    }

    /** difficulty × revenue weight, exactly: what the share counts for in a distribution. */
    public ExactWeight weight() {
        return ExactWeight.of(difficulty).times(ExactWeight.of(revenueWeight));
    }
}
