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

    /**
     * Records, forgets and looks up at random against a HashSet, with hashes forced into a few home
     * slots so that probe chains are long and wrap around the table's end: backward-shift deletion must
     * keep every remaining entry findable and never resurrect a forgotten one.
     */
    @Test
    void forgetIsExactAgainstAHashSetEvenWithCollidingHomes() {
        SplittableRandom r = new SplittableRandom(7);
        DuplicateFilter f = new DuplicateFilter(4_096);
        Set<String> reference = new HashSet<>();
        List<byte[]> known = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            byte[] h = shareLikeHash(r);
            // few distinct low bytes: many hashes share a home slot, including the last ones (wrap-around)
            boolean last = r.nextBoolean(); // home = the table's last slot at every size, so chains wrap
            h[0] = (byte) (last ? 0xff : r.nextInt(4));
            h[1] = (byte) (last ? 0xff : 0);
            h[4] = 0;
            h[5] = 0;
            int op = r.nextInt(3);
            if (op == 0 || known.isEmpty()) {
                boolean expectedNew = !reference.contains(Hex.encode(h)) && reference.size() < 4_096;
                assertEquals(expectedNew, f.firstSeen(h), "record at " + i);
                if (expectedNew) {
                    reference.add(Hex.encode(h));
                    known.add(h);
                }
            } else if (op == 1) {
                byte[] k = known.remove(r.nextInt(known.size()));
                assertTrue(f.forget(k), "forget a recorded hash at " + i);
                reference.remove(Hex.encode(k));
                assertFalse(f.contains(k), "forgotten at " + i);
                assertFalse(f.forget(k), "forgetting twice finds nothing at " + i);
            } else {
                byte[] probe = r.nextBoolean() ? known.get(r.nextInt(known.size())) : h;
                assertEquals(reference.contains(Hex.encode(probe)), f.contains(probe), "lookup at " + i);
            }
            assertEquals(reference.size(), f.size());
        }
        for (byte[] k : known) {
            assertTrue(f.contains(k));
        }
        byte[] zero = new byte[32];
        assertTrue(f.firstSeen(zero));
        assertTrue(f.forget(zero));
        assertTrue(f.firstSeen(zero), "a forgotten share counts again");
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
