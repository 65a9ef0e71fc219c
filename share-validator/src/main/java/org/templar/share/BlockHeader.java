package org.templar.share;

/** The 80-byte block header layout; all integers little-endian, hashes in internal byte order. */
public final class BlockHeader {
    public static final int SIZE = 80;

    private BlockHeader() {}

    public static byte[] serialize(int version, byte[] prevHash, byte[] merkleRoot, int ntime, int nbits, int nonce) {
        byte[] h = new byte[SIZE];
        writeIntLe(h, 0, version);
        System.arraycopy(prevHash, 0, h, 4, 32);
        System.arraycopy(merkleRoot, 0, h, 36, 32);
        writeIntLe(h, 68, ntime);
        writeIntLe(h, 72, nbits);
        writeIntLe(h, 76, nonce);
        return h;
    }

    public static void writeIntLe(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }

    public static int readIntLe(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    /** The block hash (internal byte order) of a serialized header. */
    public static byte[] hash(byte[] header80) {
        return Sha256.hashTwice(header80, 0, SIZE);
    }
}
