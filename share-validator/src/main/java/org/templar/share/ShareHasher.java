package org.templar.share;

import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Hashes shares: splices the miner's extranonce/ntime/nonce/version into the job's precomputed parts
 * and computes the header's SHA-256d. Not thread-safe: one per event loop (or per thread); it owns
 * its buffers so that, once warm, a share allocates nothing.
 *
 * <p>Cost of one share, in SHA-256 compressions: the coinbase after the job's prefix midstate
 * (usually 2-5) + 1, three per merkle level (64-byte node, its constant padding block, the second
 * hash), and for the header 1 + 2: the first header block (version, prevhash, 28 bytes of the root)
 * is compressed once and reused while job, version and root stay the same, which is what a miner
 * rolling only nonce and ntime sends.
 *
 * <p>Merkle-root cache: a two-way set-associative table of {@code merkleCacheEntries} slots (LRU
 * within a set), per hasher (so per event loop, no locking), keyed by (job serial,
 * extranonce1 || extranonce2) compared in full: a hit is exact, a conflict simply evicts. ASICs that roll version and nonce send many shares
 * with the same extranonce2; those cost only the header hash. Memory: 72 bytes per slot (about
 * 290 KiB at the default 4096); entries of retired jobs are never hit again and get overwritten,
 * and since the key is the job's serial number, not the job, the cache keeps no job alive.
 *
 * <p>Engines: with the JDK's SHA-256 intrinsic reachable ({@link Sha256Compressor#INTRINSIC}, JVM
 * flag {@code --add-opens java.base/sun.security.provider=ALL-UNNAMED}) the compression function is
 * driven directly with midstates and constant padding blocks; without it, through
 * {@link MessageDigest} (same results, no midstates; measured about 40% slower on headers, 13% on full
 * shares: docs/BENCHMARKS.md).
 */
public final class ShareHasher {
    public static final int DEFAULT_MERKLE_CACHE_ENTRIES = 4096;

    /** Padding block of a 64-byte message (a merkle node): 0x80, zeros, bit length 512. */
    private static final byte[] PAD_64 = new byte[64];

    static {
        PAD_64[0] = (byte) 0x80;
        PAD_64[62] = 0x02;
    }

    private final boolean fast;
    private final Sha256Compressor c;
    private final MessageDigest sha = Sha256.newDigest();

    private final byte[] node = new byte[64];
    /** [0,32): a first-round digest; [32,64): the constant padding of a 32-byte message. */
    private final byte[] second = new byte[64];
    private final byte[] headHead = new byte[64];
    /** [0,16): the header's last 16 bytes; [16,64): the constant padding of an 80-byte message. */
    private final byte[] headTail = new byte[64];
    private final int[] headMidstate = new int[8];
    private long headMidJob;
    private int headMidVersion;

    private byte[] cbTail = new byte[256];
    private long cbJob;

    // digest engine only
    private final byte[] header = new byte[BlockHeader.SIZE];
    private final byte[] scratch = new byte[32];

    private final int cacheMask;
    private final long[] cacheJob;
    private final byte[] cacheKey;
    private final byte[] cacheRoot;
    /** Per pair of slots: which way was used last (the other is the victim). */
    private final byte[] cacheRecent;
    private long cacheHits;
    private long cacheMisses;

    private final ShareCheck out = new ShareCheck();

    public ShareHasher() {
        this(DEFAULT_MERKLE_CACHE_ENTRIES);
    }

    /** @param merkleCacheEntries slots in the merkle-root cache (rounded up to a power of two); 0 disables it */
    public ShareHasher(int merkleCacheEntries) {
        this(merkleCacheEntries, Sha256Compressor.INTRINSIC);
    }

    /** For tests and benchmarks: {@code compressionEngine=false} forces the MessageDigest engine. */
    public ShareHasher(int merkleCacheEntries, boolean compressionEngine) {
        if (merkleCacheEntries < 0 || merkleCacheEntries > (1 << 24)) {
            throw new IllegalArgumentException("merkle cache entries must be 0..2^24, got " + merkleCacheEntries);
        }
        this.fast = compressionEngine;
        this.c = compressionEngine ? Sha256Compressor.create(true) : null;
        int n = merkleCacheEntries == 0 ? 0 : Integer.highestOneBit(Math.max(1, merkleCacheEntries - 1)) << 1;
        if (merkleCacheEntries == 1) {
            n = 1;
        }
        this.cacheMask = n - 1;
        this.cacheJob = new long[n];
        this.cacheKey = new byte[32 * n];
        this.cacheRoot = new byte[32 * n];
        this.cacheRecent = new byte[(n + 1) / 2];
        second[32] = (byte) 0x80;
        second[62] = 0x01; // 256 bits
        headTail[16] = (byte) 0x80;
        headTail[62] = 0x02;
        headTail[63] = (byte) 0x80; // 640 bits
    }

    /** Whether this hasher drives the compression function directly (see class comment). */
    public boolean usesCompressionEngine() {
        return fast;
    }

    /**
     * Hashes a share on a coinbase-building job (Stratum V1, SV2 extended channels).
     *
     * @param extranonce1 the connection's (or channel's) extranonce prefix
     * @param extranonce2 the miner-chosen part; {@code extranonce1.length + extranonce2.length} must
     *     equal {@link JobWork#extranonceSize()}
     * @param version the full rolled nVersion to put in the header
     */
    public ShareCheck check(JobWork job, byte[] extranonce1, byte[] extranonce2, int ntime, int nonce, int version) {
        int n1 = extranonce1.length;
        int n2 = extranonce2.length;
        if (n1 + n2 != job.extranonceSize()) {
            throw new IllegalArgumentException("extranonce is " + (n1 + n2) + " bytes, the job expects "
                    + job.extranonceSize());
        }
        int slot = -1;
        if (cacheMask >= 0) {
            // two-way set: the slot the key hashes to and its neighbour; LRU within the pair
            int first = cacheSlot(job.serial, extranonce1, extranonce2);
            for (int way = 0; way < 2; way++) {
                int s = first ^ way;
                if (s > cacheMask) {
                    break; // a one-slot cache
                }
                int k = s * 32;
                if (cacheJob[s] == job.serial
                        && Arrays.equals(cacheKey, k, k + n1, extranonce1, 0, n1)
                        && Arrays.equals(cacheKey, k + n1, k + n1 + n2, extranonce2, 0, n2)) {
                    cacheHits++;
                    cacheRecent[s >>> 1] = (byte) (s & 1);
                    System.arraycopy(cacheRoot, k, node, 0, 32);
                    return hashHeader(job, node, ntime, nonce, version);
                }
            }
            cacheMisses++;
            slot = cacheMask == 0 ? 0 : (first & ~1) | (1 - cacheRecent[first >>> 1]);
        }
        if (fast) {
            merkleRootFast(job, extranonce1, extranonce2);
        } else {
            merkleRootDigest(job, extranonce1, extranonce2);
        }
        if (slot >= 0) {
            int k = slot * 32;
            cacheJob[slot] = job.serial;
            cacheRecent[slot >>> 1] = (byte) (slot & 1);
            System.arraycopy(extranonce1, 0, cacheKey, k, n1);
            System.arraycopy(extranonce2, 0, cacheKey, k + n1, n2);
            System.arraycopy(node, 0, cacheRoot, k, 32);
        }
        return hashHeader(job, node, ntime, nonce, version);
    }

    /** {@link #check(JobWork, byte[], byte[], int, int, int)} with the prefix read in place (no copy). */
    public ShareCheck check(JobWork job, ExtranoncePrefix extranonce1, byte[] extranonce2, int ntime, int nonce,
            int version) {
        return check(job, extranonce1.bytes, extranonce2, ntime, nonce, version);
    }

    /**
     * {@link #check} followed by {@link ShareCheck#classify}: the whole share decision, allocation-free.
     */
    public ShareCheck validate(JobWork job, byte[] extranonce1, byte[] extranonce2, int ntime, int nonce, int version,
            Target shareTarget, DuplicateFilter duplicates, boolean stale) {
        ShareCheck r = check(job, extranonce1, extranonce2, ntime, nonce, version);
        r.classify(shareTarget, duplicates, stale);
        return r;
    }

    /** Hashes a header-only share (SV2 standard channels): the merkle root is the channel's own. */
    public ShareCheck checkHeader(JobWork job, byte[] merkleRoot, int ntime, int nonce, int version) {
        if (merkleRoot.length != 32) {
            throw new IllegalArgumentException("merkle root must be 32 bytes");
        }
        return hashHeader(job, merkleRoot, ntime, nonce, version);
    }

    /** Merkle-root cache hits since creation (for metrics). */
    public long merkleCacheHits() {
        return cacheHits;
    }

    public long merkleCacheMisses() {
        return cacheMisses;
    }

    private int cacheSlot(long serial, byte[] e1, byte[] e2) {
        long h = serial * 0x9E3779B97F4A7C15L;
        for (byte b : e1) {
            h = (h ^ (b & 0xff)) * 0x100000001B3L;
        }
        for (byte b : e2) {
            h = (h ^ (b & 0xff)) * 0x100000001B3L;
        }
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) h & cacheMask;
    }

    /** Coinbase txid folded up the branch into node[0,32), on the compression engine. */
    private void merkleRootFast(JobWork job, byte[] e1, byte[] e2) {
        Sha256Compressor c = this.c;
        byte[] tail = job.coinbaseTail;
        if (cbJob != job.serial) {
            if (cbTail.length < tail.length) {
                cbTail = new byte[tail.length]; // only when a job with a bigger coinbase arrives
            }
            System.arraycopy(tail, 0, cbTail, 0, tail.length);
            cbJob = job.serial;
        }
        byte[] cb = cbTail;
        int off = job.extranonceOffset;
        System.arraycopy(e1, 0, cb, off, e1.length);
        System.arraycopy(e2, 0, cb, off + e1.length, e2.length);
        c.load(job.prefixMidstate);
        for (int p = 0; p < tail.length; p += 64) {
            c.compress(cb, p);
        }
        c.writeDigest(second, 0);
        c.reset();
        c.compress(second, 0);
        c.writeDigest(node, 0);
        byte[] branch = job.branchFlat;
        for (int i = 0, n = job.branchSize; i < n; i++) {
            System.arraycopy(branch, 32 * i, node, 32, 32);
            c.reset();
            c.compress(node, 0);
            c.compress(PAD_64, 0);
            c.writeDigest(second, 0);
            c.reset();
            c.compress(second, 0);
            c.writeDigest(node, 0);
        }
    }

    private void merkleRootDigest(JobWork job, byte[] e1, byte[] e2) {
        try {
            sha.update(job.coinbasePrefixBytes());
            sha.update(e1);
            sha.update(e2);
            sha.update(job.coinbaseSuffixBytes());
            sha.digest(scratch, 0, 32);
            sha.update(scratch, 0, 32);
            sha.digest(node, 0, 32);
            byte[] branch = job.branchFlat;
            for (int i = 0, n = job.branchSize; i < n; i++) {
                System.arraycopy(branch, 32 * i, node, 32, 32);
                sha.update(node, 0, 64);
                sha.digest(scratch, 0, 32);
                sha.update(scratch, 0, 32);
                sha.digest(node, 0, 32);
            }
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    private ShareCheck hashHeader(JobWork job, byte[] merkleRoot, int ntime, int nonce, int version) {
        ShareCheck r = out;
        if (fast) {
            Sha256Compressor c = this.c;
            byte[] head = headHead;
            // The first block only changes with job, version or root: reuse its midstate when it can.
            if (headMidJob != job.serial || headMidVersion != version
                    || !Arrays.equals(head, 36, 64, merkleRoot, 0, 28)) {
                BlockHeader.writeIntLe(head, 0, version);
                System.arraycopy(job.prevHashBytes(), 0, head, 4, 32);
                System.arraycopy(merkleRoot, 0, head, 36, 28);
                c.reset();
                c.compress(head, 0);
                System.arraycopy(c.state(), 0, headMidstate, 0, 8);
                headMidJob = job.serial;
                headMidVersion = version;
            } else {
                c.load(headMidstate);
            }
            byte[] t = headTail;
            System.arraycopy(merkleRoot, 28, t, 0, 4);
            BlockHeader.writeIntLe(t, 4, ntime);
            BlockHeader.writeIntLe(t, 8, job.nbits());
            BlockHeader.writeIntLe(t, 12, nonce);
            c.compress(t, 0);
            c.writeDigest(second, 0);
            c.reset();
            c.compress(second, 0);
            c.writeDigest(r.hash, 0);
        } else {
            BlockHeader.writeIntLe(header, 0, version);
            System.arraycopy(job.prevHashBytes(), 0, header, 4, 32);
            System.arraycopy(merkleRoot, 0, header, 36, 32);
            BlockHeader.writeIntLe(header, 68, ntime);
            BlockHeader.writeIntLe(header, 72, job.nbits());
            BlockHeader.writeIntLe(header, 76, nonce);
            try {
                sha.update(header, 0, BlockHeader.SIZE);
                sha.digest(scratch, 0, 32);
                sha.update(scratch, 0, 32);
                sha.digest(r.hash, 0, 32);
            } catch (DigestException e) {
                throw new IllegalStateException(e);
            }
        }
        System.arraycopy(merkleRoot, 0, r.merkleRoot, 0, 32);
        r.version = version;
        r.ntime = ntime;
        r.nonce = nonce;
        r.networkTarget = job.networkTarget();
        r.outcome = null;
        return r;
    }
}
