package org.templar.share;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * A 256-bit proof-of-work threshold. A hash meets the target when the hash, read as a little-endian
 * 256-bit unsigned integer (the byte order SHA-256d produces and a block header stores), is less
 * than or equal to it. The comparison is exact integer arithmetic: floating-point difficulty is for
 * display and vardiff only.
 */
public final class Target implements Comparable<Target> {
    private static final BigInteger MAX_VALUE = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);

    /** The difficulty-1 target ("bdiff"): 0x00000000FFFF0000...0000. */
    public static final Target DIFFICULTY_1 = of(new BigInteger("FFFF", 16).shiftLeft(208));

    /** Target limbs, most significant first. */
    private final long w3, w2, w1, w0;

    private Target(long w3, long w2, long w1, long w0) {
        this.w3 = w3;
        this.w2 = w2;
        this.w1 = w1;
        this.w0 = w0;
    }

    public static Target of(BigInteger value) {
        if (value.signum() < 0 || value.compareTo(MAX_VALUE) > 0) {
            throw new IllegalArgumentException("target out of 256-bit range: " + value.toString(16));
        }
        return new Target(
                value.shiftRight(192).longValue(),
                value.shiftRight(128).longValue(),
                value.shiftRight(64).longValue(),
                value.longValue());
    }

    /** From 32 bytes in little-endian order (SV2 U256 wire form, header order). */
    public static Target fromLittleEndian(byte[] le32) {
        if (le32.length != 32) {
            throw new IllegalArgumentException("a target is 32 bytes, got " + le32.length);
        }
        return new Target(readLimb(le32, 24), readLimb(le32, 16), readLimb(le32, 8), readLimb(le32, 0));
    }

    /** From the compact "nbits" encoding used in block headers. */
    public static Target fromCompact(int nbits) {
        return of(CompactTarget.decode(nbits));
    }

    /** The largest target whose difficulty is at least {@code difficulty}: floor(diff1 / difficulty). */
    public static Target fromDifficulty(Difficulty difficulty) {
        return Difficulty.toTarget(difficulty.value());
    }

    private static long readLimb(byte[] le, int offset) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (le[offset + i] & 0xffL);
        }
        return v;
    }

    /** True when {@code hashLe} (32 bytes, little-endian integer) is at or below this target. */
    public boolean isMetBy(byte[] hashLe) {
        return isMetBy(hashLe, 0);
    }

    public boolean isMetBy(byte[] hashLe, int offset) {
        int c = Long.compareUnsigned(readLimb(hashLe, offset + 24), w3);
        if (c != 0) return c < 0;
        c = Long.compareUnsigned(readLimb(hashLe, offset + 16), w2);
        if (c != 0) return c < 0;
        c = Long.compareUnsigned(readLimb(hashLe, offset + 8), w1);
        if (c != 0) return c < 0;
        return Long.compareUnsigned(readLimb(hashLe, offset), w0) <= 0;
    }

    public BigInteger toBigInteger() {
        byte[] be = new byte[33];
        writeBe(be, 1, w3);
        writeBe(be, 9, w2);
        writeBe(be, 17, w1);
        writeBe(be, 25, w0);
        return new BigInteger(be);
    }

    /** 32 bytes, little-endian: the SV2 U256 wire form. */
    public byte[] toLittleEndian() {
        byte[] le = new byte[32];
        writeLe(le, 0, w0);
        writeLe(le, 8, w1);
        writeLe(le, 16, w2);
        writeLe(le, 24, w3);
        return le;
    }

    /** Difficulty that this target represents (diff1 / target), for display and vardiff. */
    public double difficulty() {
        return Difficulty.ofTargetValue(toBigInteger());
    }

    private static void writeBe(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    private static void writeLe(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    @Override
    public int compareTo(Target o) {
        int c = Long.compareUnsigned(w3, o.w3);
        if (c != 0) return c;
        c = Long.compareUnsigned(w2, o.w2);
        if (c != 0) return c;
        c = Long.compareUnsigned(w1, o.w1);
        if (c != 0) return c;
        return Long.compareUnsigned(w0, o.w0);
    }

    /** The easier (numerically larger) of two targets. */
    public static Target easier(Target a, Target b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Target t && t.w3 == w3 && t.w2 == w2 && t.w1 == w1 && t.w0 == w0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new long[] {w3, w2, w1, w0});
    }

    @Override
    public String toString() {
        return String.format("Target[%064x]", toBigInteger());
    }
}
