package org.templar.share;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Share difficulty: the ratio of the difficulty-1 target to a target. A double, because miners use
 * fractional values (0.0001 is legal); never used for the accept/reject comparison itself, which is
 * done on {@link Target}.
 */
public record Difficulty(double value) implements Comparable<Difficulty> {
    private static final BigInteger DIFF1 = new BigInteger("FFFF", 16).shiftLeft(208);
    private static final BigInteger MAX_TARGET = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);

    public Difficulty {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("difficulty must be a positive finite number, got " + value);
        }
    }

    public static Difficulty of(double value) {
        return new Difficulty(value);
    }

    /**
     * The target for this difficulty. The last one computed is remembered: announcing a job to tens of
     * thousands of connections at the same difficulty then costs one BigDecimal division instead of one
     * per connection, and every such connection shares one Target (issue 12).
     */
    public Target toTarget() {
        Memo m = memo;
        if (m != null && m.value == value) {
            return m.target;
        }
        Target t = toTarget(value);
        memo = new Memo(value, t);
        return t;
    }

    /** One difficulty and its target, published together. */
    private record Memo(double value, Target target) {}

    private static volatile Memo memo;

    static Target toTarget(double difficulty) {
        BigDecimal t = new BigDecimal(DIFF1).divide(new BigDecimal(difficulty), 0, RoundingMode.FLOOR);
        BigInteger v = t.toBigInteger();
        if (v.compareTo(MAX_TARGET) > 0) {
            v = MAX_TARGET;
        }
        return Target.of(v);
    }

    static double ofTargetValue(BigInteger target) {
        if (target.signum() == 0) {
            return Double.POSITIVE_INFINITY;
        }
        return new BigDecimal(DIFF1).divide(new BigDecimal(target), java.math.MathContext.DECIMAL64).doubleValue();
    }

    /** The difficulty a hash achieves: diff1 / hash, the hash read as a little-endian integer. */
    public static double achievedBy(byte[] hashLe) {
        BigInteger h = new BigInteger(1, Hex.reverse(hashLe));
        return ofTargetValue(h.signum() == 0 ? BigInteger.ONE : h);
    }

    private static final double DIFF1_DOUBLE = 0xFFFFL * Math.scalb(1.0, 208);

    /**
     * {@link #achievedBy} without allocation, for the share path: diff1 / hash in double arithmetic
     * from the two most significant non-zero 64-bit limbs (relative error below 1e-15; display and
     * vardiff only). A zero hash counts as 1, as in {@link #achievedBy}.
     */
    public static double achievedByFast(byte[] hashLe) {
        for (int limb = 3; limb >= 0; limb--) {
            long hi = readLimbLe(hashLe, 8 * limb);
            if (hi != 0) {
                double v = unsignedToDouble(hi);
                if (limb > 0) {
                    v = v * 0x1p64 + unsignedToDouble(readLimbLe(hashLe, 8 * (limb - 1)));
                    v = Math.scalb(v, 64 * (limb - 1));
                }
                return DIFF1_DOUBLE / v;
            }
        }
        return DIFF1_DOUBLE;
    }

    private static double unsignedToDouble(long x) {
        return x >= 0 ? (double) x : ((double) (x >>> 1)) * 2.0 + (x & 1);
    }

    private static long readLimbLe(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xffL);
        }
        return v;
    }

    public Difficulty max(Difficulty other) {
        return value >= other.value ? this : other;
    }

    public Difficulty min(Difficulty other) {
        return value <= other.value ? this : other;
    }

    @Override
    public int compareTo(Difficulty o) {
        return Double.compare(value, o.value);
    }

    @Override
    public String toString() {
        return "Difficulty[" + value + "]";
    }
}
