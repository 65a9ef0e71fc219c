package org.templar.payout.scheme;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Divides a whole number of satoshis in proportion to exact weights, by the largest remainder
 * method (Hamilton's).
 *
 * <p>The rule, which {@code templar payouts verify} and any miner can recompute: each account first
 * gets {@code floor(amount × weight / totalWeight)}. The satoshis left over (fewer than the number of
 * accounts) go one each to the accounts with the largest remainders
 * {@code amount × weight mod totalWeight}; equal remainders are ordered by account name
 * ({@link String#compareTo}, ascending). No account ever gets more than one satoshi above its
 * exact share, and the parts sum to {@code amount} exactly.
 */
public final class Apportion {
    private Apportion() {}

    /**
     * @param amount satoshis to divide, >= 0
     * @param weights per account; at least one weight must be positive. A sorted map keeps the
     *     iteration order (and so the tie rule) independent of hashing.
     * @return one credit per account with a positive part, sorted by account
     */
    public static List<Credit> largestRemainder(long amount, SortedMap<String, ExactWeight> weights) {
        if (amount < 0) {
            throw new IllegalArgumentException("amount must not be negative: " + amount);
        }
        int exponent = Integer.MAX_VALUE;
        for (ExactWeight w : weights.values()) {
            exponent = Math.min(exponent, w.exponent());
        }
        if (exponent == Integer.MAX_VALUE) {
            throw new IllegalArgumentException("no positive weight to divide " + amount + " sat by");
        }
        // Written over the same power of two, the weights are plain integers.
        int n = weights.size();
        String[] accounts = new String[n];
        BigInteger[] scaled = new BigInteger[n];
        BigInteger total = BigInteger.ZERO;
        int i = 0;
        for (Map.Entry<String, ExactWeight> e : weights.entrySet()) {
            accounts[i] = e.getKey();
            scaled[i] = e.getValue().isZero() ? BigInteger.ZERO : e.getValue().aligned(exponent);
            total = total.add(scaled[i]);
            i++;
        }
        BigInteger bigAmount = BigInteger.valueOf(amount);
        long[] parts = new long[n];
        BigInteger[] remainders = new BigInteger[n];
        long given = 0;
        for (i = 0; i < n; i++) {
            BigInteger[] qr = bigAmount.multiply(scaled[i]).divideAndRemainder(total);
            parts[i] = qr[0].longValueExact();
            remainders[i] = qr[1];
            given += parts[i];
        }
        long left = amount - given;
        if (left > 0) {
            List<Integer> order = new ArrayList<>(n);
            for (i = 0; i < n; i++) {
                order.add(i);
            }
            // Accounts are already in ascending order, and the sort is stable: ties keep that order.
            order.sort((a, b) -> remainders[b].compareTo(remainders[a]));
            for (int k = 0; k < left; k++) {
                parts[order.get(k)]++;
            }
        }
        List<Credit> credits = new ArrayList<>();
        for (i = 0; i < n; i++) {
            if (parts[i] > 0) {
                credits.add(new Credit(accounts[i], parts[i]));
            }
        }
        return credits;
    }
}
