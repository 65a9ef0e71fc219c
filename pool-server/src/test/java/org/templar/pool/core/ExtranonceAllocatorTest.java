package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.templar.share.ExtranoncePrefix;

class ExtranonceAllocatorTest {
    @Test
    void everyValueOfAnInstanceCarriesItsNumberInTheHighBits() {
        Set<ExtranoncePrefix> seen = new HashSet<>();
        for (int instance : new int[] {0, 1, 37, ExtranonceAllocator.MAX_INSTANCES - 1}) {
            ExtranonceAllocator a = ExtranonceAllocator.forInstance(instance);
            for (int i = 0; i < 5_000; i++) {
                ExtranoncePrefix e = a.allocate();
                assertEquals(ExtranonceAllocator.SIZE, e.size());
                assertEquals(instance, ExtranonceAllocator.instanceOf(e));
                assertTrue(seen.add(e), "handed out twice");
            }
        }
    }

    @Test
    void resumeRefusesAValueOfAnotherInstance() {
        ExtranonceAllocator one = ExtranonceAllocator.forInstance(1);
        ExtranonceAllocator two = ExtranonceAllocator.forInstance(2);
        ExtranoncePrefix fromOne = one.allocate();
        one.release(fromOne);
        ExtranoncePrefix got = two.resume(fromOne);
        assertNotEquals(fromOne, got);
        assertEquals(2, ExtranonceAllocator.instanceOf(got));
        // its own former value comes back
        ExtranoncePrefix own = two.allocate();
        two.release(own);
        assertEquals(own, two.resume(own));
    }

    @Test
    void instanceNumbersOutOfRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ExtranonceAllocator.forInstance(-1));
        assertThrows(IllegalArgumentException.class, () -> ExtranonceAllocator.forInstance(ExtranonceAllocator.MAX_INSTANCES));
    }
}
