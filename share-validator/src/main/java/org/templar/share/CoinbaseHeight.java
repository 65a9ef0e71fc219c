package org.templar.share;

/** BIP34: the block height as the first push of the coinbase scriptSig (minimal CScriptNum encoding). */
public final class CoinbaseHeight {
    private CoinbaseHeight() {}

    /** The serialized push (opcode + data) for {@code height}; heights 1..16 use OP_1..OP_16 as Core does. */
    public static byte[] encodePush(int height) {
        if (height < 0) {
            throw new IllegalArgumentException("negative height " + height);
        }
        if (height == 0) {
            return new byte[] {0x00}; // OP_0
        }
        if (height <= 16) {
            return new byte[] {(byte) (0x50 + height)}; // OP_1 .. OP_16
        }
        byte[] num = scriptNum(height);
        byte[] out = new byte[num.length + 1];
        out[0] = (byte) num.length;
        System.arraycopy(num, 0, out, 1, num.length);
        return out;
    }

    /** Minimal little-endian CScriptNum bytes of a non-negative value. */
    public static byte[] scriptNum(long value) {
        if (value == 0) {
            return new byte[0];
        }
        byte[] tmp = new byte[9];
        int n = 0;
        long v = value;
        while (v > 0) {
            tmp[n++] = (byte) (v & 0xff);
            v >>>= 8;
        }
        if ((tmp[n - 1] & 0x80) != 0) {
            tmp[n++] = 0; // keep it positive
        }
        byte[] out = new byte[n];
        System.arraycopy(tmp, 0, out, 0, n);
        return out;
    }

    /**
     * Reads the height that a scriptSig begins with, or -1 when it does not begin with a valid
     * minimal height push.
     */
    public static long decode(byte[] scriptSig) {
        if (scriptSig.length == 0) {
            return -1;
        }
        int op = scriptSig[0] & 0xff;
        if (op == 0x00) {
            return 0;
        }
        if (op >= 0x51 && op <= 0x60) {
            return op - 0x50;
        }
        if (op < 1 || op > 8 || scriptSig.length < 1 + op) {
            return -1;
        }
        long v = 0;
        for (int i = op; i >= 1; i--) {
            v = (v << 8) | (scriptSig[i] & 0xff);
        }
        if ((scriptSig[op] & 0x80) != 0) {
            return -1; // negative
        }
        return v;
    }
}
