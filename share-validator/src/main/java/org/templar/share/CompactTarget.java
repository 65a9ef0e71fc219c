package org.templar.share;

import java.math.BigInteger;

/** The compact ("nbits") encoding of a target: one exponent byte and a 23-bit mantissa with sign bit. */
public final class CompactTarget {
    private CompactTarget() {}

    public static BigInteger decode(int nbits) {
        int exponent = (nbits >>> 24) & 0xff;
        int mantissa = nbits & 0x007fffff;
        BigInteger m = BigInteger.valueOf(mantissa);
        BigInteger value = exponent <= 3 ? m.shiftRight(8 * (3 - exponent)) : m.shiftLeft(8 * (exponent - 3));
        // As Core's SetCompact: the sign bit only makes a negative number when the value is not zero
        // (0x00923456 is zero, not negative).
        if ((nbits & 0x00800000) != 0 && value.signum() != 0) {
            throw new IllegalArgumentException(String.format("negative compact target %08x", nbits));
        }
        if (value.bitLength() > 256) {
            throw new IllegalArgumentException(String.format("compact target %08x overflows 256 bits", nbits));
        }
        return value;
    }

    /** Encodes as Bitcoin Core's GetCompact does (the result may round the value down). */
    public static int encode(BigInteger value) {
        if (value.signum() < 0) {
            throw new IllegalArgumentException("negative target");
        }
        int size = (value.bitLength() + 7) / 8;
        long compact;
        if (size <= 3) {
            compact = value.longValue() << (8 * (3 - size));
        } else {
            compact = value.shiftRight(8 * (size - 3)).longValue();
        }
        if ((compact & 0x00800000L) != 0) {
            compact >>= 8;
            size++;
        }
        return (int) (compact | ((long) size << 24));
    }
}
