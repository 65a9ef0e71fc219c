package org.templar.share;

/**
 * The result of hashing one share, written into a holder that the {@link ShareHasher} owns and
 * reuses (the share path allocates nothing). Read it before the next call on the same hasher; copy
 * what must outlive that (e.g. {@link #hashCopy()} for a block candidate).
 */
public final class ShareCheck {
    final byte[] hash = new byte[32];
    final byte[] merkleRoot = new byte[32];
    int version;
    int ntime;
    int nonce;

    /** Header hash, internal byte order (little-endian integer). Do not modify. */
    public byte[] hash() {
        return hash;
    }

    public byte[] hashCopy() {
        return hash.clone();
    }

    public byte[] merkleRootCopy() {
        return merkleRoot.clone();
    }

    public boolean meets(Target target) {
        return target.isMetBy(hash);
    }

    /** Difficulty achieved by this hash (display, vardiff, ledger); allocates, not for the accept decision. */
    public double achievedDifficulty() {
        return Difficulty.achievedBy(hash);
    }

    public int version() {
        return version;
    }

    public int ntime() {
        return ntime;
    }

    public int nonce() {
        return nonce;
    }
}
