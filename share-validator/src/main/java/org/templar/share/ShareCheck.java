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
    Target networkTarget;
    ShareOutcome outcome;

    /** Header hash, internal byte order (little-endian integer). Do not modify. */
    public byte[] hash() {
        return hash;
    }

    public byte[] hashCopy() {
        return hash.clone();
    }

    /** The merkle root the header used. Do not modify. */
    public byte[] merkleRoot() {
        return merkleRoot;
    }

    public byte[] merkleRootCopy() {
        return merkleRoot.clone();
    }

    public boolean meets(Target target) {
        return target.isMetBy(hash);
    }

    /** True when the hash meets the job's network target: a block. */
    public boolean isBlockCandidate() {
        return networkTarget.isMetBy(hash);
    }

    /**
     * Difficulty achieved by this hash (diff1 / hash) for display, vardiff and the ledger; never the
     * accept decision. Allocation-free; within one double ulp or so of the exact quotient.
     */
    public double achievedDifficulty() {
        return Difficulty.achievedByFast(hash);
    }

    /**
     * Classifies the share (see {@link ShareOutcome} for the order) and, if it is to be credited,
     * records it in {@code duplicates}. Allocation-free.
     *
     * @param stale whether the caller's job store has retired the job
     */
    public ShareOutcome classify(Target shareTarget, DuplicateFilter duplicates, boolean stale) {
        ShareOutcome o;
        if (networkTarget.isMetBy(hash)) {
            duplicates.firstSeen(hash); // remember it so a resubmission is a duplicate share
            o = ShareOutcome.BLOCK_CANDIDATE;
        } else if (stale) {
            o = ShareOutcome.STALE;
        } else if (!shareTarget.isMetBy(hash)) {
            o = ShareOutcome.LOW_DIFFICULTY;
        } else if (!duplicates.firstSeen(hash)) {
            o = ShareOutcome.DUPLICATE;
        } else {
            o = ShareOutcome.ACCEPTED;
        }
        outcome = o;
        return o;
    }

    /** The outcome of the last {@link #classify}, or null if none was asked for this share. */
    public ShareOutcome outcome() {
        return outcome;
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
