package org.templar.ops.stratumbench;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/** A latency distribution in nanoseconds (HdrHistogram, 3 significant digits, up to 10 minutes). */
final class Latency {
    private static final long HIGHEST = 600_000_000_000L;
    private final Histogram h = new Histogram(HIGHEST, 3);

    /** Records one latency; negative values (clock skew between threads) count as 0, huge ones are capped. */
    synchronized void record(long nanos) {
        h.recordValue(Math.min(Math.max(nanos, 0), HIGHEST));
    }

    synchronized long count() {
        return h.getTotalCount();
    }

    synchronized void reset() {
        h.reset();
    }

    /** The value at {@code percentile} (0..100), in milliseconds; NaN when nothing was recorded. */
    synchronized double millisAt(double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
    }

    synchronized double maxMillis() {
        return h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1e6;
    }

    /** "NAME_p50 1.23 ms" lines for p50, p99, p99.9 and max, the format of docs/BENCHMARKS.md. */
    synchronized String report(String name) {
        return String.format(Locale.ROOT, "%s_p50 %.3f ms%n%s_p99 %.3f ms%n%s_p999 %.3f ms%n%s_max %.3f ms%n",
                name, millisAt(50), name, millisAt(99), name, millisAt(99.9), name, maxMillis());
    }
}
