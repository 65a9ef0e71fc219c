package org.templar.payout.scheme;

import java.util.Objects;

/**
 * Where a window of {@code length} difficulty ends, found by walking back from its newest share one
 * difficulty at a time: the rule of {@link ShareWindows#lastN} for a reader that never holds the
 * shares (the ledger pages over ids and difficulties only, then sums the window's shares in SQL).
 * Shares are taken whole until the window is full; the share that fills it counts only for the part
 * inside ({@link #lastPart()}).
 *
 * <p>The same two steps as {@code lastN}: while a rounded running total stays a millionth below the
 * length, the share is certainly whole and costs one double addition and one {@link ExactSum} add;
 * near the edge each share takes the exact steps.
 */
public final class WindowEdge {
    private final ExactWeight length;
    private final double safeBelow;
    private double usedApprox;
    private final ExactSum used = new ExactSum();
    /** Null while on the double-guarded path. */
    private ExactWeight remaining;
    private double lastDifficulty;
    /** Null when the last share taken was whole. */
    private ExactWeight lastPart;
    private long taken;

    public WindowEdge(ExactWeight length) {
        this.length = Objects.requireNonNull(length, "length");
        this.safeBelow = length.doubleValue() * (1 - 1e-6);
        if (length.isZero()) {
            remaining = ExactWeight.ZERO;
        }
    }

    /** Whether the window holds its whole length: no older share belongs to it. */
    public boolean full() {
        return remaining != null && remaining.isZero();
    }

    /** Takes the next older share into the window; refused once the window is {@link #full()}. */
    public void take(double difficulty) {
        if (full()) {
            throw new IllegalStateException("the window is already full");
        }
        if (!(difficulty > 0) || Double.isInfinite(difficulty)) {
            throw new IllegalArgumentException("difficulty must be a positive finite number: " + difficulty);
        }
        taken++;
        lastDifficulty = difficulty;
        if (remaining == null) {
            double next = usedApprox + difficulty;
            if (next < safeBelow) {
                usedApprox = next;
                used.add(difficulty);
                lastPart = null;
                return;
            }
            remaining = length.minus(used.value());
        }
        ExactWeight counted = ExactWeight.of(difficulty).min(remaining);
        remaining = remaining.minus(counted);
        lastPart = counted;
    }

    /** How many shares were taken. */
    public long taken() {
        return taken;
    }

    /** The part of the share taken last that is inside the window: its whole difficulty unless it crossed the edge. */
    public ExactWeight lastPart() {
        if (taken == 0) {
            throw new IllegalStateException("no share taken");
        }
        return lastPart != null ? lastPart : ExactWeight.of(lastDifficulty);
    }
}
