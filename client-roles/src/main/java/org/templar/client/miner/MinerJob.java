package org.templar.client.miner;

import java.util.Objects;
import org.templar.share.Difficulty;
import org.templar.share.JobWork;
import org.templar.share.Target;

/**
 * One unit of work as the hashing threads see it: the pool's job plus everything this connection adds
 * (extranonce1, the extranonce2 size, the share target in force when the job arrived, the negotiated
 * version-rolling mask). Immutable and published to the workers once, so they never lock.
 *
 * @param versionMask the bits we may roll (0 = no version rolling)
 * @param sequence increases with every job published on this miner; lets tests and logs order jobs
 * @param fixedMerkleRoot for header-only work (a Stratum V2 standard channel) the merkle root the pool
 *     computed, internal byte order; null when the miner builds the coinbase itself. With a fixed root the
 *     work's coinbase halves and branch are unused and there is no extranonce to roll.
 */
public record MinerJob(String jobId, JobWork work, int ntime, byte[] extranonce1, int extranonce2Size,
        Difficulty difficulty, Target shareTarget, int versionMask, long sequence, byte[] fixedMerkleRoot) {

    public MinerJob {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(work, "work");
        extranonce1 = extranonce1.clone();
        if (extranonce1.length + extranonce2Size != work.extranonceSize()) {
            throw new IllegalArgumentException("extranonce sizes do not add up to the job's extranonce space");
        }
        if (extranonce2Size < 0 || extranonce2Size > 16) {
            throw new IllegalArgumentException("extranonce2 size must be 0..16, got " + extranonce2Size);
        }
        if (fixedMerkleRoot != null) {
            if (fixedMerkleRoot.length != 32 || extranonce2Size != 0) {
                throw new IllegalArgumentException("header-only work needs a 32-byte merkle root and no extranonce2");
            }
            fixedMerkleRoot = fixedMerkleRoot.clone();
        }
    }

    /** Work that builds its own coinbase (Stratum V1, SV2 extended channels). */
    public MinerJob(String jobId, JobWork work, int ntime, byte[] extranonce1, int extranonce2Size,
            Difficulty difficulty, Target shareTarget, int versionMask, long sequence) {
        this(jobId, work, ntime, extranonce1, extranonce2Size, difficulty, shareTarget, versionMask, sequence, null);
    }

    /** True for header-only work: {@link #fixedMerkleRoot()} is the root to hash under. */
    public boolean headerOnly() {
        return fixedMerkleRoot != null;
    }

    public static MinerJob of(String jobId, JobWork work, int ntime, byte[] extranonce1, int extranonce2Size,
            Difficulty difficulty, int versionMask, long sequence) {
        return new MinerJob(jobId, work, ntime, extranonce1, extranonce2Size, difficulty, difficulty.toTarget(),
                versionMask, sequence);
    }

    /** The same job with another rolling mask (mining.set_version_mask takes effect at once). */
    public MinerJob withVersionMask(int mask, long newSequence) {
        return new MinerJob(jobId, work, ntime, extranonce1, extranonce2Size, difficulty, shareTarget, mask,
                newSequence, fixedMerkleRoot);
    }

    /** Do not modify. */
    public byte[] extranonce1Bytes() {
        return extranonce1;
    }

    /** How many distinct version-bit patterns the mask allows (1 when not rolling). */
    public long versionSpace() {
        return 1L << Integer.bitCount(versionMask);
    }

    /** The {@code index}-th pattern of rolled bits: the bits of {@code index} spread over the mask's positions. */
    public int versionBits(long index) {
        int bits = 0;
        int mask = versionMask;
        long k = index;
        while (mask != 0 && k != 0) {
            int lowest = mask & -mask;
            if ((k & 1) != 0) {
                bits |= lowest;
            }
            k >>>= 1;
            mask &= mask - 1;
        }
        return bits;
    }

    /** nVersion for given rolled bits, as BIP310 defines it. */
    public int rolledVersion(int bits) {
        return (work.version() & ~versionMask) | (bits & versionMask);
    }

    /** How many distinct extranonce2 values fit (capped; 8 bytes already outlast any job). */
    public long extranonce2Space() {
        return extranonce2Size >= 8 ? Long.MAX_VALUE : 1L << (8 * extranonce2Size);
    }

    /** extranonce2 for a counter value, big-endian in its field (any unique encoding would do). */
    public byte[] extranonce2(long counter) {
        byte[] en2 = new byte[extranonce2Size];
        long v = counter;
        for (int i = extranonce2Size - 1; i >= 0 && i >= extranonce2Size - 8; i--) {
            en2[i] = (byte) v;
            v >>>= 8;
        }
        return en2;
    }

    @Override
    public String toString() {
        return "MinerJob[" + jobId + " #" + sequence + ", diff=" + difficulty.value() + ", mask="
                + Integer.toHexString(versionMask) + ", " + work + "]";
    }
}
