package org.templar.pool.core;

import java.util.Optional;
import org.templar.share.Difficulty;

/**
 * One connection's variable-difficulty state. Not thread-safe: it lives on its session's event loop.
 *
 * <p>Shares are Poisson arrivals, so a rate measured over a handful of shares is noise: it waits for
 * at least {@link #MIN_SHARES} shares in a window of at least the retarget interval (or for four
 * intervals, for a miner that barely finds shares), then proposes the difficulty that would have
 * produced the target rate, moving at most a factor of 4 per step. A miner flooding the pool (many
 * times the target rate) is corrected early. Changes under 20% are ignored: each costs the miner a
 * set_difficulty and a job.
 *
 * <p>Difficulties in and out are {@link Difficulty} values; a proposal is an {@code Optional}, empty
 * when nothing should change (rather than a NaN that a caller could forget to test).
 */
public final class Vardiff {
    static final int MIN_SHARES = 8;

    private final VardiffSettings settings;
    private Difficulty current;
    private long windowStartNanos;
    private int sharesInWindow;
    private boolean fixed;

    public Vardiff(VardiffSettings settings, long nowNanos) {
        this.settings = settings;
        this.current = Difficulty.of(settings.initial());
        this.windowStartNanos = nowNanos;
    }

    public Difficulty current() {
        return current;
    }

    /**
     * Pins the difficulty (the miner asked for it in its password), clamped to the limits: vardiff stops
     * for this connection and later suggestions are ignored, since the operator of the miner chose it.
     */
    public Difficulty fix(Difficulty difficulty, long nowNanos) {
        current = clamp(difficulty);
        fixed = true;
        restart(nowNanos);
        return current;
    }

    public boolean isFixed() {
        return fixed;
    }

    /** Sets the difficulty directly (miner suggestion), clamped to the limits; restarts the window. */
    public Difficulty suggest(Difficulty difficulty, long nowNanos) {
        if (fixed) {
            return current;
        }
        current = clamp(difficulty);
        restart(nowNanos);
        return current;
    }

    /** Records an accepted share; returns the new difficulty if it should change now. */
    public Optional<Difficulty> onShare(long nowNanos) {
        sharesInWindow++;
        return evaluate(nowNanos);
    }

    /** Also called periodically without shares, so a miner that stopped finding shares gets an easier one. */
    public Optional<Difficulty> evaluate(long nowNanos) {
        if (fixed) {
            return Optional.empty();
        }
        long elapsed = nowNanos - windowStartNanos;
        long retarget = settings.retargetInterval().toNanos();
        double targetSeconds = settings.targetShareInterval().toNanos() / 1e9;
        double seconds = Math.max(elapsed / 1e9, 0.001);
        boolean enoughData = elapsed >= retarget && sharesInWindow >= MIN_SHARES;
        boolean longWait = elapsed >= 4 * retarget;
        boolean flooding = sharesInWindow >= 2 * MIN_SHARES && seconds / sharesInWindow < targetSeconds / 8;
        if (!enoughData && !longWait && !flooding) {
            return Optional.empty();
        }
        double factor;
        if (sharesInWindow == 0) {
            factor = 0.25;
        } else {
            // shares arrive at a rate proportional to hashrate / difficulty
            factor = targetSeconds / (seconds / sharesInWindow); // > 1: too fast, raise the difficulty
        }
        factor = Math.max(0.25, Math.min(4.0, factor));
        restart(nowNanos);
        double was = current.value();
        double proposed = clamp(was * factor);
        if (Math.abs(proposed - was) / was < 0.2) {
            return Optional.empty();
        }
        current = Difficulty.of(proposed);
        return Optional.of(current);
    }

    private void restart(long nowNanos) {
        windowStartNanos = nowNanos;
        sharesInWindow = 0;
    }

    private double clamp(double d) {
        return Math.max(settings.minimum(), Math.min(settings.maximum(), d));
    }

    private Difficulty clamp(Difficulty d) {
        double c = clamp(d.value());
        return c == d.value() ? d : Difficulty.of(c);
    }
}
