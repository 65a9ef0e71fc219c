package org.templar.regtest;

import java.math.BigInteger;

/**
 * An nBits field read the way Core's {@code arith_uint256::SetCompact} reads it
 * (src/arith_uint256.cpp): a 3-byte mantissa (bit 23 is a sign) times 256^(exponent-3). The node has
 * its own copy on purpose: it judges the pool's blocks, so it must not share the pool's decoder.
 *
 * @param target   the decoded value, as SetCompact leaves it (without the sign; unbounded here, where
 *                 Core's 256-bit integer would wrap, but then {@code overflow} is set)
 * @param negative the sign bit was set on a non-zero mantissa
 * @param overflow the value does not fit in 256 bits
 */
record CompactBits(BigInteger target, boolean negative, boolean overflow) {

    static CompactBits decode(int nbits) {
        int size = nbits >>> 24;
        long word = nbits & 0x007fffffL;
        BigInteger value;
        if (size <= 3) {
            // Core shifts nWord itself here, so the sign and overflow tests below see the shifted word.
            word >>>= 8 * (3 - size);
            value = BigInteger.valueOf(word);
        } else {
            value = BigInteger.valueOf(word).shiftLeft(8 * (size - 3));
        }
        boolean negative = word != 0 && (nbits & 0x00800000) != 0;
        boolean overflow = word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
        return new CompactBits(value, negative, overflow);
    }

    /**
     * CheckProofOfWorkImpl (src/pow.cpp): the target must be positive, fit, and not exceed
     * {@code powLimit}; then the block hash, read as a little-endian 256-bit number, must not exceed it.
     */
    static boolean proofOfWorkValid(byte[] hashInternal, int nbits, BigInteger powLimit) {
        CompactBits c = decode(nbits);
        if (c.negative || c.overflow || c.target.signum() == 0 || c.target.compareTo(powLimit) > 0) {
            return false;
        }
        BigInteger hash = new BigInteger(1, Hex.reverse(hashInternal));
        return hash.compareTo(c.target) <= 0;
    }
}
