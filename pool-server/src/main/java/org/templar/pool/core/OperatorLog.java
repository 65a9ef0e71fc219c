package org.templar.pool.core;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' log: one INFO line per connect, authorize, disconnect summary, kick, ban and protocol
 * abuse, through a token bucket ({@code log.max_lines_per_second}, bursts up to one second's worth) so a
 * flood of connections cannot fill the disk. Lines over the rate are dropped and counted; the count is
 * logged as "N lines suppressed" before the next line that passes, and by {@link #flushSuppressed},
 * which the pool calls every few seconds. Thread-safe; callers on event loops never block.
 */
public final class OperatorLog {
    /** The logger operators filter on (logback: {@code org.templar.operators}). */
    public static final String LOGGER = "org.templar.operators";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    private final double perSecond;
    private final double burst;
    private final LongSupplier nanos;
    private final Logger out;
    private double tokens;
    private long refilledAt;
    private final AtomicLong suppressed = new AtomicLong();

    public OperatorLog(double linesPerSecond) {
        this(linesPerSecond, System::nanoTime, log);
    }

    OperatorLog(double linesPerSecond, LongSupplier nanos, Logger out) {
        if (!(linesPerSecond > 0)) {
            throw new IllegalArgumentException("lines per second must be positive");
        }
        this.perSecond = linesPerSecond;
        this.burst = Math.max(1, linesPerSecond);
        this.nanos = nanos;
        this.out = out;
        this.tokens = burst;
        this.refilledAt = nanos.getAsLong();
    }

    /** A log without limit (tests, tools). */
    public static OperatorLog unlimited() {
        return new OperatorLog(1e9);
    }

    /** Logs one INFO line (SLF4J format) if the rate allows; returns whether it did. */
    public boolean info(String format, Object... args) {
        long dropped;
        synchronized (this) {
            if (!take()) {
                suppressed.incrementAndGet();
                return false;
            }
            dropped = suppressed.getAndSet(0);
        }
        if (dropped > 0) {
            out.info("{} operator log line(s) suppressed (over log.max_lines_per_second)", dropped);
        }
        out.info(format, args);
        return true;
    }

    /** Logs the count of lines dropped since the last line, if any (periodic). */
    public void flushSuppressed() {
        long dropped = suppressed.getAndSet(0);
        if (dropped > 0) {
            out.info("{} operator log line(s) suppressed (over log.max_lines_per_second)", dropped);
        }
    }

    /** Lines dropped and not yet reported. */
    public long suppressed() {
        return suppressed.get();
    }

    private boolean take() {
        long now = nanos.getAsLong();
        tokens = Math.min(burst, tokens + (now - refilledAt) * perSecond / 1e9);
        refilledAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
