package org.templar.payout.scheme;

import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** Turning a list of shares into exact weights per account. */
public final class ShareWindows {
    private ShareWindows() {}

    /** Every share counts with its full weight (PROP's round, PPS's batch). */
    public static SortedMap<String, ExactWeight> all(List<WindowShare> shares) {
        SortedMap<String, ExactWeight> weights = new TreeMap<>();
        for (WindowShare s : shares) {
            weights.merge(s.account(), s.weight(), ExactWeight::plus);
        }
        return weights;
    }

    /**
     * The newest shares whose difficulty adds up to {@code length} (PPLNS, TIDES). Walking back from
     * the newest share, each share counts until the window is full; the share that crosses the edge
     * counts only for the part inside it, so the window is exactly {@code length} long when there are
     * enough shares and a miner is never paid for difficulty outside the window.
     *
     * <p>The window is measured in plain difficulty, and only then is each share's part multiplied
     * by its revenue weight: a miner-declared job paid at half weight must not make the window reach
     * twice as far back for everyone.
     *
     * @param sharesOldestFirst the shares in the order the ledger recorded them
     */
    public static SortedMap<String, ExactWeight> lastN(List<WindowShare> sharesOldestFirst, ExactWeight length) {
        SortedMap<String, ExactWeight> weights = new TreeMap<>();
        ExactWeight remaining = length;
        for (int i = sharesOldestFirst.size() - 1; i >= 0 && !remaining.isZero(); i--) {
            WindowShare s = sharesOldestFirst.get(i);
            ExactWeight counted = ExactWeight.of(s.difficulty()).min(remaining);
            remaining = remaining.minus(counted);
            weights.merge(s.account(), counted.times(ExactWeight.of(s.revenueWeight())), ExactWeight::plus);
        }
        return weights;
    }

    /** Whether any weight is positive (shares of revenue weight 0 only earn nothing). */
    static boolean anyPositive(SortedMap<String, ExactWeight> weights) {
        for (ExactWeight w : weights.values()) {
            if (!w.isZero()) {
                return true;
            }
        }
        return false;
    }
}
