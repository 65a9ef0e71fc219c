package org.templar.share;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class DuplicateFilterTest {

    static byte[] shareLikeHash(SplittableRandom r) {
        byte[] h = BitcoinjCrossCheckTest.bytes(r, 32);
        h[31] = 0; // shares have zero high-order bytes
        h[30] = 0;
        h[29] = 0;
        h[28] = 0;
        return h;
    }

    @Test
    void exactAgainstAHashSet() {
        SplittableRandom r = new SplittableRandom(1);
        DuplicateFilter f = new DuplicateFilter(200_000);
        Set<String> reference = new HashSet<>();
        for (int i = 0; i < 300_000; i++) {
            byte[] h = i % 3 == 0 && i > 0 ? shareLikeHash(new SplittableRandom(i / 2)) : shareLikeHash(r);
            boolean expectedNew = !reference.contains(Hex.encode(h)) && reference.size() < 200_000;
            assertEquals(expectedNew, f.firstSeen(h), "at " + i);
            if (expectedNew) {
                reference.add(Hex.encode(h));
            }
        }
        assertEquals(reference.size(), f.size());
    }

    @Test
    void hashesDifferingInOneBitAnywhereAreDistinct() {
        DuplicateFilter f = new DuplicateFilter(1000);
        byte[] base = shareLikeHash(new SplittableRandom(2));
        assertTrue(f.firstSeen(base));
        for (int bit = 0; bit < 256; bit++) {
            byte[] h = base.clone();
            h[bit / 8] ^= (byte) (1 << (bit % 8));
            assertTrue(f.firstSeen(h), "bit " + bit);
            assertTrue(f.contains(h));
        }
        assertFalse(f.firstSeen(base));
        assertTrue(f.firstSeen(new byte[32]), "the zero hash is a hash like any other");
        assertFalse(f.firstSeen(new byte[32]));
    }

    @Test
    void boundedAndClearable() {
        DuplicateFilter f = new DuplicateFilter(10);
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 10; i++) {
            assertTrue(f.firstSeen(shareLikeHash(r)));
        }
        byte[] eleventh = shareLikeHash(r);
        assertFalse(f.firstSeen(eleventh), "full: refuse rather than forget");
        f.clear();
        assertEquals(0, f.size());
        assertTrue(f.firstSeen(eleventh));
    }

    @Test
    void memoryGrowsWithUseAndStopsAtTheBound() {
        DuplicateFilter f = new DuplicateFilter(1 << 20);
        assertEquals(16 * 32, f.tableBytes(), "a fresh job's filter is small: a solo pool holds one per miner per template");
        DuplicateFilter g = new DuplicateFilter(100_000);
        SplittableRandom r = new SplittableRandom(4);
        List<byte[]> all = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            byte[] h = shareLikeHash(r);
            all.add(h);
            assertTrue(g.firstSeen(h));
        }
        assertEquals(262_144L * 32, g.tableBytes(), "2^18 slots of 32 bytes: load factor <= 1/2 at capacity");
        for (byte[] h : all) {
            assertTrue(g.contains(h), "every entry survives the doublings");
            assertFalse(g.firstSeen(h));
        }
        assertFalse(g.firstSeen(shareLikeHash(r)), "full");
        assertEquals(262_144L * 32, g.tableBytes());
    }

    @Test
    void concurrentSubmittersEachHashWinsOnce() throws Exception {
        DuplicateFilter f = new DuplicateFilter(100_000);
        AtomicInteger wins = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<?>[] fs = new Future<?>[4];
            for (int t = 0; t < 4; t++) {
                fs[t] = pool.submit(() -> {
                    SplittableRandom r = new SplittableRandom(77); // all threads submit the same hashes
                    for (int i = 0; i < 50_000; i++) {
                        if (f.firstSeen(shareLikeHash(r))) {
                            wins.incrementAndGet();
                        }
                    }
                });
            }
            for (Future<?> x : fs) {
                x.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(50_000, wins.get());
        assertEquals(50_000, f.size());
    }
}
