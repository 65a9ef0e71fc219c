package org.templar.payout.scheme;

/**
 * A running exact sum of weights, mutable, for adding up a million shares without a
 * {@link java.math.BigInteger} per share. The value is {@code big + small × 2^exponent}: while the
 * terms line up on a common power of two and the total fits in a {@code long} (vardiff difficulties
 * do), adding is one shift and one addition; a term that does not fit moves the long part into
 * {@code big} first. Either way the sum is exact, so {@link #value()} equals what
 * {@link ExactWeight#plus} would give in any order.
 */
final class ExactSum {
    private ExactWeight big = ExactWeight.ZERO;
    private long small;
    private int exponent;

    /** Adds a finite double {@code >= 0} exactly (as {@link ExactWeight#of(double)} reads it). */
    void add(double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("weight must be a finite number >= 0: " + value);
        }
        if (value == 0) {
            return;
        }
        long bits = Double.doubleToRawLongBits(value);
        long m = bits & ((1L << 52) - 1);
        int biased = (int) ((bits >>> 52) & 0x7ff);
        int e;
        if (biased == 0) {
            e = -1074;
        } else {
            m |= 1L << 52;
            e = biased - 1075;
        }
        int zeros = Long.numberOfTrailingZeros(m);
        addMantissa(m >>> zeros, e + zeros);
    }

    void add(ExactWeight value) {
        big = big.plus(value);
    }

    // m > 0, at most 53 bits.
    private void addMantissa(long m, int e) {
        if (small == 0) {
            small = m;
            exponent = e;
            return;
        }
        if (e < exponent) {
            // Bring the long part down to the finer exponent if it still fits.
            int shift = exponent - e;
            if (shift < 63 && Long.numberOfLeadingZeros(small) > shift + 1) {
                small <<= shift;
                exponent = e;
            } else {
                flush();
                small = m;
                exponent = e;
                return;
            }
        }
        int shift = e - exponent;
        if (shift < 63 && Long.numberOfLeadingZeros(m) > shift + 1) {
            long sum = small + (m << shift);
            if (sum >= 0) { // both terms are below 2^62: no wrap past the sign bit goes unseen
                small = sum;
                return;
            }
        }
        flush();
        small = m;
        exponent = e;
    }

    private void flush() {
        if (small != 0) {
            big = big.plus(ExactWeight.of(small, exponent));
            small = 0;
        }
    }

    ExactWeight value() {
        return small == 0 ? big : big.plus(ExactWeight.of(small, exponent));
    }
}
