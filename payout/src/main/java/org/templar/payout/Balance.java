package org.templar.payout;

import java.util.Objects;

/**
 * Where an account's money stands. It moves left to right and never appears from nowhere.
 * Custodial schemes: immature (credited by a block not yet 100 deep) -> available -> in payment (in
 * a batch not yet sent) -> paid. In-coinbase schemes: the miner's own coinbase outputs are immature,
 * then paid; what a coinbase could not pay (dust, no room for an output) is carried, and a later
 * coinbase pays it.
 *
 * <p>The available balance alone may be negative: a debt. A mature block that a reorganisation
 * deeper than coinbase maturity took off the chain has its credits taken back from it, even when
 * they were already paid out; later credits pay the debt first, and no payout batch pays a balance
 * below the payout minimum (at least 1 sat).
 */
public record Balance(String account, long immatureSats, long availableSats, long inPaymentSats, long paidSats,
        long carriedSats) {
    public Balance {
        Objects.requireNonNull(account, "account");
        if (immatureSats < 0 || inPaymentSats < 0 || paidSats < 0 || carriedSats < 0) {
            throw new IllegalArgumentException("negative balance part for " + account);
        }
    }

    public static Balance empty(String account) {
        return new Balance(account, 0, 0, 0, 0, 0);
    }

    /** Everything ever credited and not reversed. */
    public long totalSats() {
        return immatureSats + availableSats + inPaymentSats + paidSats + carriedSats;
    }
}
