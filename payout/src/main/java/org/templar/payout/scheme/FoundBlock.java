package org.templar.payout.scheme;

import java.util.Objects;

/**
 * What a scheme needs to know of a block the pool found.
 *
 * @param rewardSats the coinbase value the block claims (subsidy plus fees)
 * @param networkDifficulty the block's network difficulty (PPLNS and TIDES windows are multiples of it)
 * @param finderAccount the account whose share solved the block
 */
public record FoundBlock(long rewardSats, double networkDifficulty, String finderAccount) {
    public FoundBlock {
        Objects.requireNonNull(finderAccount, "finderAccount");
        if (rewardSats < 0) {
            throw new IllegalArgumentException("reward must not be negative: " + rewardSats);
        }
        if (!(networkDifficulty > 0) || Double.isInfinite(networkDifficulty)) {
            throw new IllegalArgumentException("network difficulty must be positive and finite: " + networkDifficulty);
        }
        if (finderAccount.isEmpty()) {
            throw new IllegalArgumentException("finder account must not be empty");
        }
    }
}
