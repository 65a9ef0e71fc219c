package org.templar.share.bench;

import java.security.DigestException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;
import org.templar.share.DuplicateFilter;
import org.templar.share.JobWork;
import org.templar.share.MerkleBranch;
import org.templar.share.Sha256Compressor;
import org.templar.share.ShareCheck;
import org.templar.share.ShareHasher;
import org.templar.share.Target;

/**
 * The share path, one operation = one share (or one header, one duplicate check, one coinbase).
 * Run through {@link HashBench}, which turns the scores into ratios of the machine's SHA-256
 * compression rate. Single-threaded: the figures are per core.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HashBenchmarks {

    /** A realistic job: 60-byte coinb1, 8 bytes of extranonce, 150-byte coinb2, 12-level branch (~4096 txs). */
    static JobWork job(int prefixLen) {
        SplittableRandom r = new SplittableRandom(1);
        List<byte[]> steps = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            steps.add(bytes(r, 32));
        }
        return JobWork.of(0x20000000, bytes(r, 32), 0x17034219, bytes(r, prefixLen), bytes(r, 150),
                MerkleBranch.of(steps), 8);
    }

    static byte[] bytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    @State(Scope.Thread)
    public static class Share {
        final JobWork job = job(60);
        final ShareHasher uncached = new ShareHasher(0);
        final ShareHasher cached = new ShareHasher(4096);
        final ShareHasher digestEngine = new ShareHasher(0, false);
        final byte[] en1 = {1, 2, 3, 4};
        final byte[] en2 = new byte[4];
        final byte[] root = new byte[32];
        final Target shareTarget = Target.fromCompact(0x1d00ffff);
        final DuplicateFilter dups = new DuplicateFilter(1 << 20);
        int n;

        @Setup(Level.Iteration)
        public void clearDuplicates() {
            dups.clear(); // ~0 shares meet diff 1 here anyway; keeps the filter from filling up
        }
    }

    /** A header-only share rolling nonce and ntime: first header block from the midstate, 2 compressions. */
    @Benchmark
    public ShareCheck headerSha256d(Share s, CpuClock cpu) {
        cpu.ops++;
        int n = s.n++;
        return s.uncached.checkHeader(s.job, s.root, 0x65000000 + (n >>> 20), n, 0x20000000);
    }

    /** Header-only, version rolled on every share (ASICBoost): 3 compressions. */
    @Benchmark
    public ShareCheck headerSha256dVersionRolled(Share s, CpuClock cpu) {
        cpu.ops++;
        int n = s.n++;
        return s.uncached.checkHeader(s.job, s.root, 0x65000000, n, 0x20000000 | ((n & 0xffff) << 13));
    }

    /** The same through MessageDigest (the fallback engine when sun.security.provider is not opened). */
    @Benchmark
    public ShareCheck headerSha256dDigestEngine(Share s, CpuClock cpu) {
        cpu.ops++;
        int n = s.n++;
        return s.digestEngine.checkHeader(s.job, s.root, 0x65000000, n, 0x20000000);
    }

    /** Full validation, a new extranonce2 every share: coinbase + 12 levels + header, then classify. */
    @Benchmark
    public ShareCheck shareUncached(Share s, CpuClock cpu) {
        cpu.ops++;
        int n = s.n++;
        s.en2[0] = (byte) n;
        s.en2[1] = (byte) (n >>> 8);
        s.en2[2] = (byte) (n >>> 16);
        return s.uncached.validate(s.job, s.en1, s.en2, 0x65000000, n, 0x20000000, s.shareTarget, s.dups, false);
    }

    @Benchmark
    public ShareCheck shareUncachedDigestEngine(Share s, CpuClock cpu) {
        cpu.ops++;
        int n = s.n++;
        s.en2[0] = (byte) n;
        s.en2[1] = (byte) (n >>> 8);
        s.en2[2] = (byte) (n >>> 16);
        return s.digestEngine.validate(s.job, s.en1, s.en2, 0x65000000, n, 0x20000000, s.shareTarget, s.dups,
                false);
    }

    /**
     * Full validation as an ASIC sends it: the same extranonce2 for 64 shares that roll nonce and
     * version bits, then the next one; the merkle root comes from the cache.
     */
    @Benchmark
    public ShareCheck shareCached(Share s, CpuClock cpu) {
        cpu.ops++;
        int n = s.n++;
        int e = n >>> 6;
        s.en2[0] = (byte) e;
        s.en2[1] = (byte) (e >>> 8);
        s.en2[2] = (byte) (e >>> 16);
        return s.cached.validate(s.job, s.en1, s.en2, 0x65000000, n, 0x20000000 | ((n & 0x3f) << 13), s.shareTarget,
                s.dups, false);
    }

    @State(Scope.Thread)
    public static class Dups {
        static final int N = 1 << 18;
        final byte[][] hashes = new byte[N][];
        final DuplicateFilter filter = new DuplicateFilter(N);
        int i;

        @Setup
        public void fill() {
            SplittableRandom r = new SplittableRandom(2);
            for (int k = 0; k < N; k++) {
                byte[] h = bytes(r, 32);
                h[31] = 0;
                h[30] = 0;
                h[29] = 0;
                h[28] = 0;
                hashes[k] = h;
            }
        }
    }

    /** One exact duplicate check of a new share hash (records it); the filter is cleared every 2^18. */
    @Benchmark
    public boolean duplicateCheck(Dups d, CpuClock cpu) {
        cpu.ops++;
        int k = d.i++ & (Dups.N - 1);
        if (k == 0) {
            d.filter.clear();
        }
        return d.filter.firstSeen(d.hashes[k]);
    }

    // ---- the coinbase-prefix midstate question: a 200-byte coinb1 (3 whole blocks) + 8 + 150 bytes ----

    @State(Scope.Thread)
    public static class Coinbase {
        static final int PREFIX = 200;
        final byte[] coinbase = bytes(new SplittableRandom(3), PREFIX + 8 + 150);
        final MessageDigest full = newDigest();
        final MessageDigest prefixAbsorbed = newDigest();
        final Sha256Compressor java = Sha256Compressor.create(false);
        final Sha256Compressor intrinsic = Sha256Compressor.INTRINSIC ? Sha256Compressor.create(true) : null;
        int[] midstate;
        byte[] tail;
        final byte[] out = new byte[32];

        @Setup
        public void precompute() {
            prefixAbsorbed.update(coinbase, 0, 192);
            midstate = Sha256Compressor.midstate(coinbase, 3);
            int rest = coinbase.length - 192;
            tail = new byte[Sha256Compressor.paddedLength(rest)];
            System.arraycopy(coinbase, 192, tail, 0, rest);
            Sha256Compressor.pad(tail, 0, rest, coinbase.length);
        }

        static MessageDigest newDigest() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** MessageDigest over the whole coinbase every time: no midstate. */
    @Benchmark
    public byte[] coinbaseDigestNoMidstate(Coinbase c, CpuClock cpu) throws DigestException {
        cpu.ops++;
        c.coinbase[PREFIX_BYTE]++;
        c.full.update(c.coinbase, 0, c.coinbase.length);
        c.full.digest(c.out, 0, 32);
        return c.out;
    }

    /** clone() a MessageDigest that has absorbed the prefix's whole blocks: allocates per share. */
    @Benchmark
    public byte[] coinbaseDigestClone(Coinbase c, CpuClock cpu) throws Exception {
        cpu.ops++;
        c.coinbase[PREFIX_BYTE]++;
        MessageDigest md = (MessageDigest) c.prefixAbsorbed.clone();
        md.update(c.coinbase, 192, c.coinbase.length - 192);
        md.digest(c.out, 0, 32);
        return c.out;
    }

    /** Compression function written in Java, from the prefix midstate. */
    @Benchmark
    public byte[] coinbaseJavaMidstate(Coinbase c, CpuClock cpu) {
        cpu.ops++;
        c.tail[PREFIX_BYTE - 192]++;
        Sha256Compressor e = c.java;
        e.load(c.midstate);
        for (int p = 0; p < c.tail.length; p += 64) {
            e.compress(c.tail, p);
        }
        e.writeDigest(c.out, 0);
        return c.out;
    }

    /** The JDK's intrinsic compression function driven directly, from the prefix midstate. */
    @Benchmark
    public byte[] coinbaseIntrinsicMidstate(Coinbase c, Blackhole bh, CpuClock cpu) {
        cpu.ops++;
        if (c.intrinsic == null) {
            bh.consume(0);
            return c.out;
        }
        c.tail[PREFIX_BYTE - 192]++;
        Sha256Compressor e = c.intrinsic;
        e.load(c.midstate);
        for (int p = 0; p < c.tail.length; p += 64) {
            e.compress(c.tail, p);
        }
        e.writeDigest(c.out, 0);
        return c.out;
    }

    /** The extranonce position inside the coinbase of the midstate benchmarks (changed every op). */
    static final int PREFIX_BYTE = Coinbase.PREFIX + 3;

    // ---- the machine's SHA-256 ceiling when openssl is not installed ----

    @State(Scope.Thread)
    public static class Bulk {
        final byte[] data = bytes(new SplittableRandom(4), 16384);
        final byte[] out = new byte[32];
        final MessageDigest md = Coinbase.newDigest();
    }

    /** SHA-256 of 16 KiB (257 compressions with padding), the JDK's bulk rate: fallback ceiling. */
    @Benchmark
    public byte[] bulkSha256of16KiB(Bulk b, CpuClock cpu) throws DigestException {
        cpu.ops++;
        b.md.update(b.data, 0, b.data.length);
        b.md.digest(b.out, 0, 32);
        return b.out;
    }
}
