package org.templar.share;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Convenience SHA-256 / SHA-256d for cold paths (job building, tests, the regtest node).
 * The per-share hot path uses its own preallocated digests instead of these allocating helpers.
 */
public final class Sha256 {
    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(Sha256::newDigest);

    private Sha256() {}

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public static byte[] hash(byte[] data) {
        return hash(data, 0, data.length);
    }

    public static byte[] hash(byte[] data, int offset, int length) {
        MessageDigest md = DIGEST.get();
        md.update(data, offset, length);
        return md.digest();
    }

    /** SHA-256(SHA-256(data)), in internal byte order (the order a block header stores hashes). */
    public static byte[] hashTwice(byte[] data) {
        return hashTwice(data, 0, data.length);
    }

    public static byte[] hashTwice(byte[] data, int offset, int length) {
        MessageDigest md = DIGEST.get();
        md.update(data, offset, length);
        return md.digest(md.digest());
    }

    /** SHA-256d of the concatenation of two 32-byte nodes: one merkle tree step. */
    public static byte[] hashPair(byte[] left, byte[] right) {
        MessageDigest md = DIGEST.get();
        md.update(left);
        md.update(right);
        return md.digest(md.digest());
    }
}
