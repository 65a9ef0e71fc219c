package org.templar.payout.scheme;

import java.util.List;
import java.util.Objects;

/**
 * Proportional: the miners' part of a block is divided over the shares of its round, the shares
 * since the pool's previous block (the caller passes exactly those). If no share in the round
 * carries weight, the finder is credited: its share is why the block exists.
 */
public record Prop(PoolFee fee) implements PayoutScheme {
    public Prop {
        Objects.requireNonNull(fee, "fee");
    }

    @Override
    public SchemeKind kind() {
        return SchemeKind.PROP;
    }

    @Override
    public Distribution distribute(FoundBlock block, List<WindowShare> roundShares) {
        return Schemes.divide(block, fee, ShareWindows.all(roundShares));
    }

    /** The same credits from the round's weights, every share whole ({@code PayoutLedger#roundWeights}). */
    public Distribution distribute(FoundBlock block, WindowWeights round) {
        return Schemes.divide(block, fee, round.byAccount());
    }
}
