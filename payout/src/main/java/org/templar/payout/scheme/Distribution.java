package org.templar.payout.scheme;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How one reward is divided: credits to accounts (sorted by account, one per account, none zero),
 * the pool's part and the donation. The parts always sum to {@link #rewardSats()}: the constructor
 * refuses anything else, so no scheme can hand out a distribution that creates or loses a satoshi.
 *
 * @param rewardSats what was divided
 * @param credits the miners' parts
 * @param poolSats the pool's part: its fee, plus anything no miner could be credited with (see
 *     each scheme)
 * @param donationSats the donation output's part
 */
public record Distribution(long rewardSats, List<Credit> credits, long poolSats, long donationSats) {
    public Distribution {
        credits = List.copyOf(credits);
        if (rewardSats < 0 || poolSats < 0 || donationSats < 0) {
            throw new IllegalArgumentException("negative amount in distribution");
        }
        Set<String> seen = new HashSet<>();
        long sum = Math.addExact(poolSats, donationSats);
        String previous = null;
        for (Credit c : credits) {
            if (c.sats() == 0) {
                throw new IllegalArgumentException("zero credit to " + c.account());
            }
            if (!seen.add(c.account()) || (previous != null && previous.compareTo(c.account()) > 0)) {
                throw new IllegalArgumentException("credits must be one per account, sorted by account");
            }
            previous = c.account();
            sum = Math.addExact(sum, c.sats());
        }
        if (sum != rewardSats) {
            throw new IllegalArgumentException("distribution parts sum to " + sum + " sat, not the reward " + rewardSats);
        }
    }

    /** Sorts the credits and drops zero ones. */
    public static Distribution of(long rewardSats, List<Credit> credits, long poolSats, long donationSats) {
        List<Credit> sorted = new ArrayList<>();
        for (Credit c : credits) {
            if (c.sats() > 0) {
                sorted.add(c);
            }
        }
        sorted.sort(Comparator.comparing(Credit::account));
        return new Distribution(rewardSats, sorted, poolSats, donationSats);
    }

    /** The miners' total. */
    public long creditedSats() {
        long sum = 0;
        for (Credit c : credits) {
            sum += c.sats();
        }
        return sum;
    }

    /** The credit of one account, 0 when it has none. */
    public long creditOf(String account) {
        Objects.requireNonNull(account, "account");
        for (Credit c : credits) {
            if (c.account().equals(account)) {
                return c.sats();
            }
        }
        return 0;
    }
}
