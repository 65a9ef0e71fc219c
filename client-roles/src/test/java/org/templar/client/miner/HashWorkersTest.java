package org.templar.client.miner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.bitcoinj.base.Sha256Hash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.share.Difficulty;
import org.templar.share.JobWork;
import org.templar.share.MerkleBranch;

/** The hashing threads alone: search-space coverage, exhaustion, and shares checked with bitcoinj. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HashWorkersTest {
    private static final HexFormat HEX = HexFormat.of();

    private static MinerJob job(int en2Size, int mask, double difficulty) {
        TestJob t = TestJob.build("w", 0x1d00ffff, "/w/");
        byte[] prev = new byte[32];
        byte[] display = HEX.parseHex(t.prevHashDisplay());
        for (int i = 0; i < 32; i++) {
            prev[i] = display[31 - i];
        }
        JobWork work = JobWork.of(t.version(), prev, t.nbits(), t.coinb1(), t.coinb2(), MerkleBranch.of(t.branch()),
                TestJob.EN1_SIZE + en2Size);
        return MinerJob.of("w", work, t.ntime(), HEX.parseHex("cafebabe"), en2Size, Difficulty.of(difficulty), mask, 1);
    }

    /** Header hash recomputed from scratch with bitcoinj's SHA-256d, internal byte order. */
    private static byte[] independentHash(MinerJob job, FoundShare s) {
        byte[] coinbase = job.work().coinbase(job.extranonce1Bytes(), s.extranonce2());
        byte[] node = Sha256Hash.hashTwice(coinbase);
        for (byte[] step : job.work().branch().steps()) {
            node = Sha256Hash.hashTwice(node, step);
        }
        ByteBuffer h = ByteBuffer.allocate(80).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(job.rolledVersion(s.versionBits())).put(job.work().prevHashBytes()).put(node).putInt(s.ntime())
                .putInt(job.work().nbits()).putInt(s.nonce());
        return Sha256Hash.hashTwice(h.array());
    }

    private static BigInteger asInteger(byte[] internal) {
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[i] = internal[31 - i];
        }
        return new BigInteger(1, be);
    }

    private static void awaitIdle(HashWorkers w, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        while (w.totalHashes() < expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(200); // would any thread go on past its part of the space?
    }

    @Test
    void coversTheExtranonce2SpaceExactlyOnceThenIdles() throws Exception {
        MinerJob job = job(1, 0, 0.000001); // 256 extranonce2 values x 1024 nonces
        ConcurrentLinkedQueue<FoundShare> found = new ConcurrentLinkedQueue<>();
        try (HashWorkers w = new HashWorkers(2, 10, found::add)) {
            w.start();
            w.publish(job);
            awaitIdle(w, 256 * 1024);
            assertEquals(256 * 1024, w.totalHashes(), "every (extranonce2, nonce) hashed once, then nothing");
        }
        assertTrue(found.size() > 10, "about 61 shares expected at this difficulty, got " + found.size());
        Set<String> seen = new HashSet<>();
        BigInteger target = TestJob.shareTarget(0.000001);
        for (FoundShare s : found) {
            assertTrue(seen.add(HEX.formatHex(s.extranonce2()) + "/" + s.nonce()), "header hashed twice");
            byte[] h = independentHash(job, s);
            assertArrayEquals(h, s.hash());
            assertTrue(asInteger(h).compareTo(target) <= 0);
            assertEquals(0, s.versionBits());
        }
    }

    @Test
    void withoutExtranonce2TheThreadsSplitTheVersionBits() throws Exception {
        int mask = 0x0001e000; // 16 patterns
        MinerJob job = job(0, mask, 0.000001);
        ConcurrentLinkedQueue<FoundShare> found = new ConcurrentLinkedQueue<>();
        try (HashWorkers w = new HashWorkers(2, 10, found::add)) {
            w.start();
            w.publish(job);
            awaitIdle(w, 16 * 1024);
            assertEquals(16 * 1024, w.totalHashes());
        }
        Set<Integer> patterns = new HashSet<>();
        for (FoundShare s : found) {
            assertEquals(0, s.versionBits() & ~mask);
            assertArrayEquals(independentHash(job, s), s.hash());
            patterns.add(s.versionBits());
        }
        assertTrue(patterns.size() > 1, "shares from several version patterns: " + patterns);
    }

    @Test
    void aNewJobReplacesTheOldAtOnce() throws Exception {
        MinerJob first = job(4, 0, 1e9); // never finds anything
        MinerJob second = job(4, 0, 0.000001);
        ConcurrentLinkedQueue<FoundShare> found = new ConcurrentLinkedQueue<>();
        try (HashWorkers w = new HashWorkers(1, 32, found::add)) {
            w.start();
            w.publish(first);
            Thread.sleep(200);
            w.publish(second);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (found.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            w.publish(null);
        }
        assertTrue(!found.isEmpty());
        assertEquals(List.of(second), found.stream().map(FoundShare::job).distinct().toList());
    }
}
