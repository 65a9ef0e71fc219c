package org.templar.payout.scheme;

import java.math.BigInteger;

/**
 * A non-negative exact number of the form {@code mantissa × 2^exponent}: the exact value of share
 * difficulties and revenue weights.
 *
 * <p>Why this form: the ledger stores difficulties as IEEE-754 doubles, and every finite double
 * <em>is</em> a binary fraction {@code m × 2^e} with a 53-bit {@code m}. Taking that value as it
 * stands (no rounding, no decimal conversion) and multiplying and adding those fractions with
 * {@link BigInteger}s keeps every sum and product exact, so a distribution never depends on the
 * order shares are summed in and two machines recomputing it get the same satoshis. Floating-point
 * sums would not: they round at each step.
 */
public final class ExactWeight implements Comparable<ExactWeight> {
    public static final ExactWeight ZERO = new ExactWeight(BigInteger.ZERO, 0);
    public static final ExactWeight ONE = new ExactWeight(BigInteger.ONE, 0);

    private final BigInteger mantissa;
    private final int exponent;

    private ExactWeight(BigInteger mantissa, int exponent) {
        this.mantissa = mantissa;
        this.exponent = exponent;
    }

    /** The exact value of a finite, non-negative double. */
    public static ExactWeight of(double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("weight must be a finite number >= 0: " + value);
        }
        if (value == 0) {
            return ZERO;
        }
        long bits = Double.doubleToRawLongBits(value);
        long fraction = bits & ((1L << 52) - 1);
        int biased = (int) ((bits >>> 52) & 0x7ff);
        if (biased == 0) {
            return normalized(BigInteger.valueOf(fraction), -1074); // subnormal
        }
        return normalized(BigInteger.valueOf(fraction | (1L << 52)), biased - 1075);
    }

    /** A whole number. */
    public static ExactWeight of(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("weight must be >= 0: " + value);
        }
        return normalized(BigInteger.valueOf(value), 0);
    }

    /** {@code mantissa × 2^exponent}, {@code mantissa >= 0}. */
    static ExactWeight of(long mantissa, int exponent) {
        if (mantissa < 0) {
            throw new IllegalArgumentException("weight must be >= 0: " + mantissa);
        }
        return normalized(BigInteger.valueOf(mantissa), exponent);
    }

    // Trailing zero bits move into the exponent so equal values have one representation (equals).
    private static ExactWeight normalized(BigInteger mantissa, int exponent) {
        if (mantissa.signum() == 0) {
            return ZERO;
        }
        int zeros = mantissa.getLowestSetBit();
        return new ExactWeight(mantissa.shiftRight(zeros), exponent + zeros);
    }

    public boolean isZero() {
        return mantissa.signum() == 0;
    }

    public ExactWeight plus(ExactWeight other) {
        if (other.isZero()) {
            return this;
        }
        if (isZero()) {
            return other;
        }
        int e = Math.min(exponent, other.exponent);
        return normalized(aligned(e).add(other.aligned(e)), e);
    }

    /** {@code this - other}; refuses a negative result (weights are never negative). */
    public ExactWeight minus(ExactWeight other) {
        int e = Math.min(exponent, other.exponent);
        BigInteger difference = aligned(e).subtract(other.aligned(e));
        if (difference.signum() < 0) {
            throw new IllegalArgumentException(this + " - " + other + " is negative");
        }
        return normalized(difference, e);
    }

    public ExactWeight times(ExactWeight other) {
        return normalized(mantissa.multiply(other.mantissa), exponent + other.exponent);
    }

    /** The nearest double (for bounds only; sums and shares stay exact). */
    public double doubleValue() {
        if (isZero()) {
            return 0;
        }
        // BigInteger.doubleValue rounds once; scalb is exact unless the result leaves the double range.
        int bits = mantissa.bitLength();
        if (bits > 1000) {
            return Math.scalb(mantissa.shiftRight(bits - 64).doubleValue(), exponent + bits - 64);
        }
        return Math.scalb(mantissa.doubleValue(), exponent);
    }

    public ExactWeight min(ExactWeight other) {
        return compareTo(other) <= 0 ? this : other;
    }

    /** The mantissa when the value is written over {@code 2^exponent} ({@code exponent <= this.exponent}). */
    BigInteger aligned(int commonExponent) {
        if (commonExponent > exponent) {
            throw new IllegalArgumentException("cannot align to a coarser exponent");
        }
        return mantissa.shiftLeft(exponent - commonExponent);
    }

    int exponent() {
        return isZero() ? Integer.MAX_VALUE : exponent;
    }

    /**
     * {@code floor(amount × numerator / divisor)}, exactly. Used where a satoshi value is a weight's
     * fraction of a whole (PPS: a share's fraction of a block).
     */
    public static BigInteger floorOfProduct(BigInteger amount, ExactWeight numerator, ExactWeight divisor) {
        if (divisor.isZero()) {
            throw new ArithmeticException("division by a zero weight");
        }
        if (numerator.isZero()) {
            return BigInteger.ZERO;
        }
        int e = Math.min(numerator.exponent, divisor.exponent);
        return amount.multiply(numerator.aligned(e)).divide(divisor.aligned(e));
    }

    @Override
    public int compareTo(ExactWeight other) {
        if (isZero() || other.isZero()) {
            return Integer.compare(mantissa.signum(), other.mantissa.signum());
        }
        int e = Math.min(exponent, other.exponent);
        return aligned(e).compareTo(other.aligned(e));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExactWeight w && w.mantissa.equals(mantissa) && (isZero() || w.exponent == exponent);
    }

    @Override
    public int hashCode() {
        return isZero() ? 0 : mantissa.hashCode() * 31 + exponent;
    }

    @Override
    public String toString() {
        return mantissa + "*2^" + exponent;
    }
}
