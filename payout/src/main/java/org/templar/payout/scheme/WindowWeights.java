package org.templar.payout.scheme;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The exact weight of each account in a window (PPLNS, TIDES) or a round (PROP), already cut to it:
 * what a scheme divides. The ledger builds it from groups of equal shares summed in the database
 * ({@link Builder}), so a window of a million shares costs a few thousand rows, not a million
 * objects; {@link #of(List, ExactWeight)} builds it from the shares themselves, as
 * {@link ShareWindows#lastN} does. Both give the same weights, bit for bit: every sum is exact.
 */
public final class WindowWeights {
    public static final WindowWeights EMPTY = new WindowWeights(new TreeMap<>());

    private final SortedMap<String, ExactWeight> byAccount;

    private WindowWeights(SortedMap<String, ExactWeight> byAccount) {
        this.byAccount = Collections.unmodifiableSortedMap(byAccount);
    }

    /** The newest shares worth {@code length}, the edge share counted for its part inside (PPLNS, TIDES). */
    public static WindowWeights of(List<WindowShare> sharesOldestFirst, ExactWeight length) {
        return new WindowWeights(ShareWindows.lastN(sharesOldestFirst, length));
    }

    /** Weights already summed per account ({@link WindowWalk}). */
    static WindowWeights of(SortedMap<String, ExactWeight> byAccount) {
        return new WindowWeights(byAccount);
    }

    /** Every share whole (PROP's round). */
    public static WindowWeights all(List<WindowShare> shares) {
        return new WindowWeights(ShareWindows.all(shares));
    }

    /**
     * Per account, sorted by account; accounts whose shares all carry revenue weight 0 are present
     * with weight zero, as in {@link ShareWindows#lastN}.
     */
    public SortedMap<String, ExactWeight> byAccount() {
        return byAccount;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WindowWeights w && w.byAccount.equals(byAccount);
    }

    @Override
    public int hashCode() {
        return byAccount.hashCode();
    }

    @Override
    public String toString() {
        return "WindowWeights" + byAccount;
    }

    /** Adds up groups of equal shares, exactly (count × difficulty × revenue weight needs no rounding). */
    public static final class Builder {
        private final Map<String, ExactSum> sums = new HashMap<>();

        /** {@code count} shares of one account, each of {@code difficulty} at {@code revenueWeight}, all whole. */
        public Builder add(String account, double difficulty, double revenueWeight, long count) {
            Objects.requireNonNull(account, "account");
            if (count < 0) {
                throw new IllegalArgumentException("share count must not be negative: " + count);
            }
            ExactSum sum = sums.computeIfAbsent(account, a -> new ExactSum());
            ExactWeight each = revenueWeight == 1.0 ? ExactWeight.of(difficulty)
                    : ExactWeight.of(difficulty).times(ExactWeight.of(revenueWeight));
            sum.add(count == 1 ? each : each.times(ExactWeight.of(count)));
            return this;
        }

        /** The part of one share inside the window (the edge share's), at its revenue weight. */
        public Builder addPart(String account, ExactWeight part, double revenueWeight) {
            Objects.requireNonNull(account, "account");
            sums.computeIfAbsent(account, a -> new ExactSum()).add(part.times(ExactWeight.of(revenueWeight)));
            return this;
        }

        public WindowWeights build() {
            SortedMap<String, ExactWeight> weights = new TreeMap<>();
            for (Map.Entry<String, ExactSum> e : sums.entrySet()) {
                weights.put(e.getKey(), e.getValue().value());
            }
            return new WindowWeights(weights);
        }
    }
}
