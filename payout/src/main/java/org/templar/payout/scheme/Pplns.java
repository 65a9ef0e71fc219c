package org.templar.payout.scheme;

import java.util.List;
import java.util.Objects;

/**
 * Pay per last N shares: the miners' part of a block is divided over the newest shares whose
 * difficulty adds up to {@code windowFactor ×} the block's network difficulty
 * ({@link ShareWindows#lastN}). Rounds do not matter, so hopping between pools earns nothing.
 */
public record Pplns(PoolFee fee, double windowFactor) implements PayoutScheme {
    public Pplns {
        Objects.requireNonNull(fee, "fee");
        if (!(windowFactor > 0) || Double.isInfinite(windowFactor)) {
            throw new IllegalArgumentException("PPLNS window factor must be positive and finite: " + windowFactor);
        }
    }

    @Override
    public SchemeKind kind() {
        return SchemeKind.PPLNS;
    }

    /** The window length, in difficulty, for a network difficulty. */
    public ExactWeight windowLength(double networkDifficulty) {
        return ExactWeight.of(windowFactor).times(ExactWeight.of(networkDifficulty));
    }

    @Override
    public Distribution distribute(FoundBlock block, List<WindowShare> sharesOldestFirst) {
        return Schemes.divide(block, fee, ShareWindows.lastN(sharesOldestFirst, windowLength(block.networkDifficulty())));
    }

    /**
     * The same credits from the window's weights, already cut to {@link #windowLength} of the block's
     * network difficulty (the ledger sums them in SQL: {@code PayoutLedger#windowWeightsEndingAt}).
     */
    public Distribution distribute(FoundBlock block, WindowWeights window) {
        return Schemes.divide(block, fee, window.byAccount());
    }
}
