package org.templar.pool.core;

/**
 * One connection's variable-difficulty state. Not thread-safe: it lives on its session's event loop.
 *
 * <p>It counts accepted shares in a window and, once per retarget interval (or early when shares
 * come far too fast), proposes the difficulty that would have produced the target rate, limited to a
 * factor of 4 per step so that one lucky or unlucky window does not swing it wildly.
 */
public final class Vardiff {
    private final VardiffSettings settings;
    private double current;
    private long windowStartNanos;
    private int sharesInWindow;

    public Vardiff(VardiffSettings settings, long nowNanos) {
        this.settings = settings;
        this.current = settings.initial();
        this.windowStartNanos = nowNanos;
    }

    public double current() {
        return current;
    }

    /** Sets the difficulty directly (miner suggestion), clamped to the limits; restarts the window. */
    public double suggest(double difficulty, long nowNanos) {
        current = clamp(difficulty);
        windowStartNanos = nowNanos;
        sharesInWindow = 0;
        return current;
    }

    /**
     * Records an accepted share; returns the new difficulty if it should change now, else NaN.
     */
    public double onShare(long nowNanos) {
        sharesInWindow++;
        return evaluate(nowNanos);
    }

    /** Called periodically without shares too, so a miner that stopped finding shares gets an easier one. */
    public double evaluate(long nowNanos) {
        long elapsed = nowNanos - windowStartNanos;
        double targetSeconds = settings.targetShareInterval().toNanos() / 1e9;
        boolean windowDone = elapsed >= settings.retargetInterval().toNanos();
        // far too fast: react early rather than flood the pool for a whole window
        boolean tooFast = sharesInWindow >= 16 && elapsed < sharesInWindow * targetSeconds * 1e9 / 4;
        if (!windowDone && !tooFast) {
            return Double.NaN;
        }
        double seconds = Math.max(elapsed / 1e9, 0.001);
        double proposed;
        if (sharesInWindow == 0) {
            proposed = current / 4;
        } else {
            double observedInterval = seconds / sharesInWindow;
            // shares arrive at a rate proportional to hashrate / difficulty
            double factor = targetSeconds / observedInterval; // > 1: too fast, raise the difficulty
            factor = Math.max(0.25, Math.min(4.0, factor));
            proposed = current * factor;
        }
        windowStartNanos = nowNanos;
        sharesInWindow = 0;
        proposed = clamp(proposed);
        // ignore changes under 10%: each change costs the miner a set_difficulty and a job
        if (Math.abs(proposed - current) / current < 0.1) {
            return Double.NaN;
        }
        current = proposed;
        return current;
    }

    private double clamp(double d) {
        return Math.max(settings.minimum(), Math.min(settings.maximum(), d));
    }
}
