package org.templar.payout;

import java.time.Instant;
import java.util.Objects;

/** One entry of a block's status history: what it became, why, and when. */
public record BlockStatusChange(BlockStatus status, String reason, Instant changedAt) {
    public BlockStatusChange {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(changedAt, "changedAt");
    }
}
