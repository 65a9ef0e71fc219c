package org.templar.payout;

import java.util.List;
import java.util.Objects;
import org.templar.payout.scheme.Credit;
import org.templar.payout.scheme.PayoutScheme.SchemeKind;

/**
 * A block's division as the ledger keeps it.
 *
 * @param credits every account's part, reversed ones included (see {@link #state()})
 * @param coinbasePayments for in-coinbase schemes, what the coinbase paid each miner (its part
 *     plus amounts carried from earlier blocks); empty for custodial schemes
 */
public record BlockSettlement(String blockHash, SchemeKind scheme, long rewardSats, long poolSats, long donationSats,
        State state, long confirmations, List<Credit> credits, List<Credit> coinbasePayments) {
    /** Where a settled block's credits stand. */
    public enum State {
        /** Credited as immature: the block is in the chain but under 100 confirmations. */
        CREDITED,
        /** 100 confirmations: the credits are available (or, in-coinbase, paid). */
        MATURE,
        /** Orphaned: the credits were taken back; the rows stay to show it. */
        REVERSED
    }

    public BlockSettlement {
        Objects.requireNonNull(blockHash, "blockHash");
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(state, "state");
        credits = List.copyOf(credits);
        coinbasePayments = List.copyOf(coinbasePayments);
    }
}
