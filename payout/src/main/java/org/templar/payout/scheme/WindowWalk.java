package org.templar.payout.scheme;

import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * The walk of {@link ShareWindows#lastN} for a reader that holds its shares in columns, accounts as
 * small indexes (the ledger's rolling window): shares are given newest first, one at a time, until
 * the window is {@link #full()}. The same steps as {@code lastN} ({@link WindowEdge}'s double guard,
 * then exact near the edge; an {@link ExactSum} per account), so {@link #weights()} equals
 * {@code WindowWeights.of(shares, length)} bit for bit, without a map look-up per share.
 */
public final class WindowWalk {
    private final WindowEdge edge;
    private final ExactSum[] sums;
    private final IntFunction<String> accountNames;

    /**
     * @param accounts how many account indexes there are (each index taken is below it)
     * @param accountNames the account of each index
     */
    public WindowWalk(ExactWeight length, int accounts, IntFunction<String> accountNames) {
        this.edge = new WindowEdge(length);
        this.sums = new ExactSum[accounts];
        this.accountNames = Objects.requireNonNull(accountNames, "accountNames");
    }

    /** Whether the window holds its whole length: no older share belongs to it. */
    public boolean full() {
        return edge.full();
    }

    /** How many shares were taken. */
    public long taken() {
        return edge.taken();
    }

    /** Takes the next older share; refused once the window is {@link #full()}. */
    public void take(int account, double difficulty, double revenueWeight) {
        edge.take(difficulty);
        ExactSum sum = sums[account];
        if (sum == null) {
            sum = new ExactSum();
            sums[account] = sum;
        }
        if (edge.full()) {
            sum.add(edge.lastPart().times(ExactWeight.of(revenueWeight))); // the edge share: its part inside
        } else if (revenueWeight == 1.0) {
            sum.add(difficulty);
        } else {
            sum.add(ExactWeight.of(difficulty).times(ExactWeight.of(revenueWeight)));
        }
    }

    /** The weight of each account taken (with weight zero for revenue weight 0 only, as {@code lastN}). */
    public WindowWeights weights() {
        SortedMap<String, ExactWeight> weights = new TreeMap<>();
        for (int a = 0; a < sums.length; a++) {
            if (sums[a] != null) {
                weights.merge(accountNames.apply(a), sums[a].value(), ExactWeight::plus);
            }
        }
        return WindowWeights.of(weights);
    }
}
