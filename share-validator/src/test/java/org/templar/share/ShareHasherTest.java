package org.templar.share;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ShareHasherTest {

    static JobWork job(SplittableRandom r, int nbits, int branchDepth) {
        List<byte[]> steps = new ArrayList<>();
        for (int i = 0; i < branchDepth; i++) {
            steps.add(BitcoinjCrossCheckTest.bytes(r, 32));
        }
        return JobWork.of(0x20000000, BitcoinjCrossCheckTest.bytes(r, 32), nbits, BitcoinjCrossCheckTest.bytes(r, 60),
                BitcoinjCrossCheckTest.bytes(r, 150), MerkleBranch.of(steps), 8);
    }

    @Test
    void outcomesFollowTheDocumentedOrder() {
        SplittableRandom r = new SplittableRandom(1);
        // an easy "network" target so that some random shares are blocks
        JobWork job = job(r, 0x2000ffff, 3); // network target 0x00ffff00...: 1 in 256 hashes is a block
        Target shareTarget = Target.of(BigInteger.ONE.shiftLeft(254)); // 1 in 4 hashes is a share
        DuplicateFilter dups = new DuplicateFilter(10_000);
        ShareHasher h = new ShareHasher();
        byte[] en1 = {1, 2, 3, 4};
        byte[] en2 = {0, 0, 0, 0};
        int accepted = 0, low = 0, blocks = 0;
        for (int nonce = 0; nonce < 4000; nonce++) {
            ShareCheck c = h.validate(job, en1, en2, 0x60000000, nonce, 0x20000000, shareTarget, dups, false);
            boolean block = job.networkTarget().isMetBy(c.hash());
            boolean share = shareTarget.isMetBy(c.hash());
            ShareOutcome expected = block ? ShareOutcome.BLOCK_CANDIDATE
                    : share ? ShareOutcome.ACCEPTED : ShareOutcome.LOW_DIFFICULTY;
            assertEquals(expected, c.outcome());
            assertEquals(block, c.isBlockCandidate());
            // resubmitting the same share: a duplicate, unless it is a block (never thrown away)
            if (share || block) {
                byte[] hash = c.hashCopy();
                ShareCheck again = h.validate(job, en1, en2, 0x60000000, nonce, 0x20000000, shareTarget, dups, false);
                assertArrayEquals(hash, again.hash());
                assertEquals(block ? ShareOutcome.BLOCK_CANDIDATE : ShareOutcome.DUPLICATE, again.outcome());
                assertEquals(block ? ShareOutcome.BLOCK_CANDIDATE : ShareOutcome.STALE,
                        h.validate(job, en1, en2, 0x60000000, nonce, 0x20000000, shareTarget, dups, true).outcome());
            }
            if (block) blocks++;
            else if (share) accepted++;
            else low++;
        }
        assertTrue(blocks > 0 && accepted > 500 && low > 1500, blocks + "/" + accepted + "/" + low);
        assertEquals(blocks + accepted, dups.size(), "low-difficulty shares never occupy the duplicate filter");
    }

    @Test
    void versionBitsAreInTheDuplicateKey() {
        SplittableRandom r = new SplittableRandom(2);
        JobWork job = job(r, 0x1d00ffff, 2);
        DuplicateFilter dups = new DuplicateFilter(100);
        Target any = Target.of(BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE));
        ShareHasher h = new ShareHasher();
        byte[] en1 = {9, 9, 9, 9};
        byte[] en2 = {1, 1, 1, 1};
        assertEquals(ShareOutcome.ACCEPTED, h.validate(job, en1, en2, 1, 7, 0x20000000, any, dups, false).outcome());
        assertEquals(ShareOutcome.ACCEPTED, h.validate(job, en1, en2, 1, 7, 0x20002000, any, dups, false).outcome());
        assertEquals(ShareOutcome.DUPLICATE, h.validate(job, en1, en2, 1, 7, 0x20002000, any, dups, false).outcome());
    }

    @Test
    void merkleCacheServesRepeatedExtranoncesAndIsKeyedOnTheJob() {
        SplittableRandom r = new SplittableRandom(3);
        JobWork a = job(r, 0x1d00ffff, 12);
        JobWork b = job(r, 0x1d00ffff, 12);
        ShareHasher cached = new ShareHasher(4096);
        ShareHasher plain = new ShareHasher(0);
        byte[] en1 = {1, 2, 3, 4};
        for (int i = 0; i < 200; i++) {
            JobWork j = (i & 1) == 0 ? a : b;
            byte[] en2 = {0, 0, 0, (byte) (i % 5)};
            assertArrayEquals(plain.check(j, en1, en2, i, i * 31, 0x20000000).hash(),
                    cached.check(j, en1, en2, i, i * 31, 0x20000000).hash());
        }
        assertEquals(10, cached.merkleCacheMisses(), "5 extranonces x 2 jobs, each computed once");
        assertEquals(190, cached.merkleCacheHits());
        assertEquals(0, plain.merkleCacheHits());
        // the same extranonce bytes split differently between en1/en2 give the same coinbase
        byte[] root = cached.check(a, new byte[] {1, 2}, new byte[] {3, 4, 0, 0, 0, 0}, 0, 0, 1).merkleRootCopy();
        assertArrayEquals(plain.check(a, en1, new byte[] {0, 0, 0, 0}, 0, 0, 1).merkleRoot(), root);
    }

    @Test
    void wrongExtranonceLengthIsRefused() {
        JobWork job = job(new SplittableRandom(4), 0x1d00ffff, 1);
        assertThrows(IllegalArgumentException.class,
                () -> new ShareHasher().check(job, new byte[4], new byte[3], 0, 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new ShareHasher().checkHeader(job, new byte[31], 0, 0, 0));
    }

    @Test
    void sharePathAllocatesNothingOnceWarm() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom r = new SplittableRandom(5);
        JobWork job = job(r, 0x1d00ffff, 12);
        Target shareTarget = Target.of(BigInteger.ONE.shiftLeft(255));
        DuplicateFilter dups = new DuplicateFilter(1 << 20);
        for (boolean engine : Sha256Compressor.INTRINSIC ? new boolean[] {true, false} : new boolean[] {false}) {
            ShareHasher h = new ShareHasher(1024, engine);
            byte[] en1 = {1, 2, 3, 4};
            byte[] en2 = new byte[4];
            double sink = 0;
            // Warm up until the JIT has compiled the path (interpreted MethodHandle calls may allocate),
            // then the thread's exact allocation counter (TLAB-precise) must not move over 50,000 shares.
            long allocated = -1;
            for (int round = 0; round < 12 && allocated != 0; round++) {
                long tid = Thread.currentThread().getId();
                long before = mx.getThreadAllocatedBytes(tid);
                for (int i = 0; i < 50_000; i++) {
                    en2[3] = (byte) i; // 256 extranonces: some cached, nonce and version rolling
                    en2[2] = (byte) (i >>> 8);
                    ShareCheck c = h.validate(job, en1, en2, 0x65000000, i, 0x20000000 | (i & 0x6000), shareTarget,
                            dups, false);
                    sink += c.achievedDifficulty();
                }
                allocated = mx.getThreadAllocatedBytes(tid) - before;
                dups.clear();
            }
            assertEquals(0, allocated, "engine " + engine + ": bytes allocated by 50,000 warm shares");
            assertTrue(sink > 0);
        }
    }
}
