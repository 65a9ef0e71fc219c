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
        /**
         * Recorded but not applied: not in any balance nor, for TIDES, in the carries, because the
         * block is not on the node's best chain (a TIDES block from its solve until the tracker sees
         * it there; a stale sibling). Applied when the block joins the best chain.
         */
        HELD,
        /**
         * Taken back: the block left the best chain (or never joined it and was given up). The rows
         * stay to show it; applied again if a reorganisation brings the block back.
         */
        REVERSED;

        /** Whether the credits are in the balances (and a TIDES block's carries in carried_sats). */
        public boolean applied() {
            return this == CREDITED || this == MATURE;
        }
    }

    public BlockSettlement {
        Objects.requireNonNull(blockHash, "blockHash");
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(state, "state");
        credits = List.copyOf(credits);
        coinbasePayments = List.copyOf(coinbasePayments);
    }
}
