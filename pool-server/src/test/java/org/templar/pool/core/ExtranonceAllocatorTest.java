package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExtranonceAllocatorTest {
    @Test
    void everyValueOfAnInstanceCarriesItsNumberInTheHighBits() {
        Set<String> seen = new HashSet<>();
        for (int instance : new int[] {0, 1, 37, ExtranonceAllocator.MAX_INSTANCES - 1}) {
            ExtranonceAllocator a = ExtranonceAllocator.forInstance(instance);
            for (int i = 0; i < 5_000; i++) {
                byte[] e = a.allocate();
                assertEquals(ExtranonceAllocator.SIZE, e.length);
                assertEquals(instance, ExtranonceAllocator.instanceOf(e));
                assertTrue(seen.add(HexFormat.of().formatHex(e)), "handed out twice");
            }
        }
    }

    @Test
    void resumeRefusesAValueOfAnotherInstance() {
        ExtranonceAllocator one = ExtranonceAllocator.forInstance(1);
        ExtranonceAllocator two = ExtranonceAllocator.forInstance(2);
        byte[] fromOne = one.allocate();
        one.release(fromOne);
        byte[] got = two.resume(fromOne);
        assertFalse(java.util.Arrays.equals(fromOne, got));
        assertEquals(2, ExtranonceAllocator.instanceOf(got));
        // its own former value comes back
        byte[] own = two.allocate();
        two.release(own);
        assertArrayEquals(own, two.resume(own));
    }

    @Test
    void instanceNumbersOutOfRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ExtranonceAllocator.forInstance(-1));
        assertThrows(IllegalArgumentException.class, () -> ExtranonceAllocator.forInstance(ExtranonceAllocator.MAX_INSTANCES));
    }
}
