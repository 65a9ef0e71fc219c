package org.templar.pool.sv2.codec;

import org.templar.share.Hex;

/**
 * A U256 field exactly as it travels: 32 raw bytes, little-endian, the same order a block header
 * stores prev_hash and merkle_root in. The codec never reinterprets it; sessions convert to
 * {@code org.templar.share.Target} where a comparison is needed.
 */
public record U256(Bytes bytes) {
    public static final int SIZE = 32;
    public static final U256 ZERO = new U256(Bytes.of(new byte[SIZE]));

    public U256 {
        if (bytes == null || bytes.length() != SIZE) {
            throw new Sv2CodecException("U256 needs exactly 32 bytes, got "
                    + (bytes == null ? "null" : bytes.length()));
        }
    }

    public static U256 of(byte[] littleEndian32) {
        return new U256(Bytes.of(littleEndian32));
    }

    /** From hex of the little-endian wire bytes (not a display-order block hash). */
    public static U256 fromHex(String hexLe) {
        return of(Hex.decode(hexLe));
    }

    public byte[] toArray() {
        return bytes.toArray();
    }

    @Override
    public String toString() {
        return bytes.toHex();
    }
}
