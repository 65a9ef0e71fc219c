package org.templar.payout.scheme;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        Map<String, ExactSum> sums = new HashMap<>();
        // Shares that are certainly whole inside the window are added without exact comparisons:
        // a double sum of k non-negative terms is within k × 2^-53 of the exact one (relatively), so
        // while the rounded total stays a millionth below the length, the exact one is below it too.
        // Only the shares near the edge take the exact path, the same steps as before.
        double lengthApprox = length.doubleValue();
        double safeBelow = lengthApprox * (1 - 1e-6);
        double usedApprox = 0;
        ExactSum used = new ExactSum();
        int i = sharesOldestFirst.size() - 1;
        for (int k = 0; i >= 0 && k < (1 << 30); i--, k++) {
            WindowShare s = sharesOldestFirst.get(i);
            double next = usedApprox + s.difficulty();
            if (!(next < safeBelow)) {
                break;
            }
            usedApprox = next;
            used.add(s.difficulty());
            ExactSum sum = sums.computeIfAbsent(s.account(), a -> new ExactSum());
            if (s.revenueWeight() == 1.0) {
                sum.add(s.difficulty());
            } else {
                sum.add(ExactWeight.of(s.difficulty()).times(ExactWeight.of(s.revenueWeight())));
            }
        }
        ExactWeight remaining = length.minus(used.value());
        for (; i >= 0 && !remaining.isZero(); i--) {
            WindowShare s = sharesOldestFirst.get(i);
            ExactWeight counted = ExactWeight.of(s.difficulty()).min(remaining);
            remaining = remaining.minus(counted);
            sums.computeIfAbsent(s.account(), a -> new ExactSum())
                    .add(counted.times(ExactWeight.of(s.revenueWeight())));
        }
        SortedMap<String, ExactWeight> weights = new TreeMap<>();
        for (Map.Entry<String, ExactSum> e : sums.entrySet()) {
            weights.put(e.getKey(), e.getValue().value());
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
