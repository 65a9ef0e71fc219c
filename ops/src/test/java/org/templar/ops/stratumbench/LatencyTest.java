package org.templar.ops.stratumbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Percentiles as the reports print them: HdrHistogram at 3 significant digits, in milliseconds. */
class LatencyTest {

    @Test
    void percentilesOfAKnownDistribution() {
        Latency l = new Latency();
        for (int i = 1; i <= 1000; i++) {
            l.record(i * 1_000_000L); // 1 ms .. 1000 ms, one each
        }
        assertEquals(1000, l.count());
        assertEquals(500, l.millisAt(50), 500 * 0.001);
        assertEquals(990, l.millisAt(99), 990 * 0.001);
        assertEquals(999, l.millisAt(99.9), 999 * 0.001);
        assertEquals(1000, l.maxMillis(), 1000 * 0.001);
    }

    @Test
    void aTailIsNotHiddenByTheMedian() {
        Latency l = new Latency();
        for (int i = 0; i < 990; i++) {
            l.record(200_000); // 0.2 ms
        }
        for (int i = 0; i < 10; i++) {
            l.record(50_000_000); // 50 ms
        }
        assertEquals(0.2, l.millisAt(50), 0.001);
        assertEquals(0.2, l.millisAt(99), 0.001);
        assertEquals(50, l.millisAt(99.9), 0.05);
    }

    @Test
    void oddValuesAndTheReportFormat() {
        Latency l = new Latency();
        assertTrue(Double.isNaN(l.millisAt(50)), "nothing recorded is not zero latency");
        l.record(-5); // another thread's clock read first: counted as 0, not an exception
        l.record(Long.MAX_VALUE); // capped at the histogram's range
        assertEquals(2, l.count());
        String report = l.report("x");
        assertTrue(report.startsWith("x_p50 0.000 ms"), report);
        assertTrue(report.contains("x_p999 ") && report.contains("x_max "), report);
        l.reset();
        assertEquals(0, l.count());
    }
}
