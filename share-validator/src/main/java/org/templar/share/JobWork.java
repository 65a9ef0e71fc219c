package org.templar.share;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything about one job that does not change per share, fixed once when the job is built and then
 * shared read-only by every session: header template (version, previous block hash, nbits), the
 * coinbase halves around the extranonce, the merkle branch, and the network target.
 *
 * <p>Coinbase here means the transaction serialized WITHOUT witness data (the txid form), which is
 * what miners hash: prefix || extranonce1 || extranonce2 || suffix.
 */
public final class JobWork {
    private final int version;
    private final byte[] prevHash;
    private final int nbits;
    private final Target networkTarget;
    private final byte[] coinbasePrefix;
    private final byte[] coinbaseSuffix;
    private final MerkleBranch branch;
    private final int extranonceSize;

    // ---- per-job precomputation for the share path (see ShareHasher) ----
    private static final AtomicLong SERIALS = new AtomicLong();
    /** Process-unique, never 0: keys the hashers' merkle-root caches without keeping jobs alive. */
    final long serial = SERIALS.incrementAndGet();
    /** SHA-256 state after the coinbase prefix's whole 64-byte blocks. */
    final int[] prefixMidstate;
    /**
     * Everything after those blocks, already padded: prefix remainder, an extranonce slot (zeros),
     * suffix, SHA-256 padding. A hasher copies it once per job and splices extranonces in.
     */
    final byte[] coinbaseTail;
    /** Where the extranonce slot starts in {@link #coinbaseTail}. */
    final int extranonceOffset;
    /** The merkle branch flattened (32 bytes per level) for arraycopy without indirection. */
    final byte[] branchFlat;
    final int branchSize;

    private JobWork(int version, byte[] prevHash, int nbits, byte[] coinbasePrefix, byte[] coinbaseSuffix,
            MerkleBranch branch, int extranonceSize) {
        this.version = version;
        this.prevHash = prevHash;
        this.nbits = nbits;
        this.networkTarget = Target.fromCompact(nbits);
        this.coinbasePrefix = coinbasePrefix;
        this.coinbaseSuffix = coinbaseSuffix;
        this.branch = branch;
        this.extranonceSize = extranonceSize;
        int prefixBlocks = coinbasePrefix.length / 64;
        this.prefixMidstate = Sha256Compressor.midstate(coinbasePrefix, prefixBlocks);
        int rest = coinbasePrefix.length - prefixBlocks * 64;
        int tailLength = rest + extranonceSize + coinbaseSuffix.length;
        byte[] tail = new byte[Sha256Compressor.paddedLength(tailLength)];
        System.arraycopy(coinbasePrefix, prefixBlocks * 64, tail, 0, rest);
        System.arraycopy(coinbaseSuffix, 0, tail, rest + extranonceSize, coinbaseSuffix.length);
        Sha256Compressor.pad(tail, 0, tailLength,
                (long) coinbasePrefix.length + extranonceSize + coinbaseSuffix.length);
        this.coinbaseTail = tail;
        this.extranonceOffset = rest;
        this.branchSize = branch.size();
        this.branchFlat = new byte[32 * branchSize];
        for (int i = 0; i < branchSize; i++) {
            System.arraycopy(branch.step(i), 0, branchFlat, 32 * i, 32);
        }
    }

    /** SHA-256 compressions one uncached share costs on this job (coinbase, branch, header), for benchmarks. */
    public int compressionsPerShare() {
        return coinbaseTail.length / 64 + 1 + 3 * branchSize + 3;
    }

    /**
     * @param prevHash previous block hash in internal byte order (as the header stores it)
     * @param extranonceSize total bytes between prefix and suffix (extranonce1 + extranonce2)
     */
    public static JobWork of(int version, byte[] prevHash, int nbits, byte[] coinbasePrefix, byte[] coinbaseSuffix,
            MerkleBranch branch, int extranonceSize) {
        if (prevHash.length != 32) {
            throw new IllegalArgumentException("prevhash must be 32 bytes");
        }
        if (extranonceSize < 0 || extranonceSize > 32) {
            throw new IllegalArgumentException("extranonce size must be 0..32, got " + extranonceSize);
        }
        return new JobWork(version, prevHash.clone(), nbits, coinbasePrefix.clone(), coinbaseSuffix.clone(), branch,
                extranonceSize);
    }

    public int version() {
        return version;
    }

    /** Internal byte order; do not modify. */
    public byte[] prevHashBytes() {
        return prevHash;
    }

    public int nbits() {
        return nbits;
    }

    public Target networkTarget() {
        return networkTarget;
    }

    /** Do not modify. */
    public byte[] coinbasePrefixBytes() {
        return coinbasePrefix;
    }

    /** Do not modify. */
    public byte[] coinbaseSuffixBytes() {
        return coinbaseSuffix;
    }

    public MerkleBranch branch() {
        return branch;
    }

    public int extranonceSize() {
        return extranonceSize;
    }

    /** {@link #coinbase(byte[], byte[])} after a pool-chosen prefix; cold path. */
    public byte[] coinbase(ExtranoncePrefix extranonce1, byte[] extranonce2) {
        return coinbase(extranonce1.bytes, extranonce2);
    }

    /** The coinbase (non-witness serialization) for a given extranonce; cold path. */
    public byte[] coinbase(byte[] extranonce1, byte[] extranonce2) {
        byte[] cb = new byte[coinbasePrefix.length + extranonce1.length + extranonce2.length + coinbaseSuffix.length];
        int p = 0;
        System.arraycopy(coinbasePrefix, 0, cb, p, coinbasePrefix.length);
        p += coinbasePrefix.length;
        System.arraycopy(extranonce1, 0, cb, p, extranonce1.length);
        p += extranonce1.length;
        System.arraycopy(extranonce2, 0, cb, p, extranonce2.length);
        p += extranonce2.length;
        System.arraycopy(coinbaseSuffix, 0, cb, p, coinbaseSuffix.length);
        return cb;
    }

    /** The 80-byte header for given fields; cold path (block assembly, tests). */
    public byte[] header(byte[] merkleRoot, int ntime, int nonce, int rolledVersion) {
        return BlockHeader.serialize(rolledVersion, prevHash, merkleRoot, ntime, nbits, nonce);
    }

    @Override
    public String toString() {
        return "JobWork[v=" + Integer.toHexString(version) + ", prev=" + Hex.encode(Hex.reverse(prevHash))
                + ", nbits=" + Integer.toHexString(nbits) + ", branch=" + branch.size() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobWork w && w.version == version && w.nbits == nbits && Arrays.equals(w.prevHash, prevHash)
                && Arrays.equals(w.coinbasePrefix, coinbasePrefix) && Arrays.equals(w.coinbaseSuffix, coinbaseSuffix);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(coinbasePrefix) * 31 + Arrays.hashCode(prevHash);
    }
}
