package org.templar.payout.scheme;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The long fast path of {@link ExactSum} gives exactly what {@link ExactWeight#plus} gives. */
class ExactSumTest {
    @Test
    void equalsTheBigIntegerSumOverMixedMagnitudes() {
        Random random = new Random(10);
        for (int round = 0; round < 200; round++) {
            ExactSum sum = new ExactSum();
            ExactWeight expected = ExactWeight.ZERO;
            int terms = 1 + random.nextInt(500);
            for (int t = 0; t < terms; t++) {
                double d = switch (random.nextInt(6)) {
                    case 0 -> 1024.0 * (1 + random.nextInt(64)); // vardiff steps: stays in the long
                    case 1 -> random.nextDouble() * 1e6; // 53-bit mantissas on fine exponents
                    case 2 -> Math.scalb(random.nextDouble(), random.nextInt(200)); // large: overflows the long
                    case 3 -> Math.scalb(random.nextDouble(), -random.nextInt(1100)); // tiny, subnormal too
                    case 4 -> 0.0;
                    default -> Double.MAX_VALUE * random.nextDouble();
                };
                if (random.nextInt(10) == 0) {
                    ExactWeight w = ExactWeight.of(d).times(ExactWeight.of(random.nextDouble()));
                    sum.add(w);
                    expected = expected.plus(w);
                } else {
                    sum.add(d);
                    expected = expected.plus(ExactWeight.of(d));
                }
            }
            assertEquals(expected, sum.value(), "round " + round);
        }
    }

    @Test
    void manyEqualTermsNearTheLongLimitStayExact() {
        ExactSum sum = new ExactSum();
        ExactWeight expected = ExactWeight.ZERO;
        double d = Math.scalb((double) ((1L << 53) - 1), 0);
        for (int i = 0; i < 5000; i++) { // 5000 × 2^53 passes 2^63
            sum.add(d);
            expected = expected.plus(ExactWeight.of(d));
        }
        assertEquals(expected, sum.value());
    }

    @Test
    void doubleValueIsTheNearestDouble() {
        assertEquals(1024.375, ExactWeight.of(1024.375).doubleValue());
        assertEquals(Double.MIN_VALUE, ExactWeight.of(Double.MIN_VALUE).doubleValue());
        assertEquals(Double.MAX_VALUE, ExactWeight.of(Double.MAX_VALUE).doubleValue());
        assertEquals(0.0, ExactWeight.ZERO.doubleValue());
    }
}
