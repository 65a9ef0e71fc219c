package org.templar.payout.scheme;

import java.util.List;
import java.util.SortedMap;

/** What the proportional schemes share. */
final class Schemes {
    private Schemes() {}

    /** Fee first, then the miners' part by the weights; with no weight at all, to the finder. */
    static Distribution divide(FoundBlock block, PoolFee fee, SortedMap<String, ExactWeight> weights) {
        PoolFee.Split split = fee.split(block.rewardSats());
        List<Credit> credits = ShareWindows.anyPositive(weights)
                ? Apportion.largestRemainder(split.minersSats(), weights)
                : List.of(new Credit(block.finderAccount(), split.minersSats()));
        return Distribution.of(block.rewardSats(), credits, split.feeSats(), split.donationSats());
    }
}
