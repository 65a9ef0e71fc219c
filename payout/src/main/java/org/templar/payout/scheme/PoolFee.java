package org.templar.payout.scheme;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The pool's fee and an optional donation, in parts per million of a reward.
 *
 * <p>Both are rounded <em>down</em> to whole satoshis: the rounding favours the miners, and what the
 * miners get is defined as the rest, so fee + donation + miners is the reward exactly.
 */
public record PoolFee(long feePpm, long donationPpm) {
    public static final long MILLION = 1_000_000L;
    public static final PoolFee NONE = new PoolFee(0, 0);

    public PoolFee {
        if (feePpm < 0 || donationPpm < 0 || feePpm + donationPpm > MILLION) {
            throw new IllegalArgumentException("fee " + feePpm + " ppm and donation " + donationPpm
                    + " ppm must be >= 0 and together at most 100 %");
        }
    }

    /**
     * From percentages as an operator writes them ("1.5" is 1.5 %), exactly: anything finer than
     * a millionth is refused rather than silently rounded.
     */
    public static PoolFee percent(String feePercent, String donationPercent) {
        return new PoolFee(ppm("fee", feePercent), ppm("donation", donationPercent));
    }

    private static long ppm(String what, String percent) {
        BigDecimal value;
        try {
            value = new BigDecimal(percent.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " percent is not a number: '" + percent + "'");
        }
        if (value.signum() < 0 || value.compareTo(BigDecimal.valueOf(100)) > 0) {
            throw new IllegalArgumentException(what + " percent must be 0..100: " + percent);
        }
        try {
            return value.movePointRight(4).setScale(0, RoundingMode.UNNECESSARY).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(what + " percent has more than 4 decimals: " + percent);
        }
    }

    /** How {@code rewardSats} splits into fee, donation and the miners' part. */
    public Split split(long rewardSats) {
        if (rewardSats < 0) {
            throw new IllegalArgumentException("reward must not be negative: " + rewardSats);
        }
        long fee = ppmOf(rewardSats, feePpm);
        long donation = ppmOf(rewardSats, donationPpm);
        return new Split(fee, donation, rewardSats - fee - donation);
    }

    // BigInteger because reward × ppm can pass 2^63 (21e14 sat × 1e6).
    private static long ppmOf(long sats, long ppm) {
        return java.math.BigInteger.valueOf(sats).multiply(java.math.BigInteger.valueOf(ppm))
                .divide(java.math.BigInteger.valueOf(MILLION)).longValueExact();
    }

    /** A reward divided: pool fee, donation and what the miners share; the three sum to the reward. */
    public record Split(long feeSats, long donationSats, long minersSats) {
        public Split {
            if (feeSats < 0 || donationSats < 0 || minersSats < 0) {
                throw new IllegalArgumentException("negative part in " + feeSats + "/" + donationSats + "/" + minersSats);
            }
        }
    }
}
