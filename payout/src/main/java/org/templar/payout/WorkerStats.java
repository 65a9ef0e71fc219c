package org.templar.payout;

import java.time.Instant;
import java.util.Objects;

/**
 * What the ledger knows about one worker (full username).
 *
 * @param worker the full username
 * @param shares how many accepted shares it has in the ledger
 * @param sumDifficulty the sum of their accepted (credited) difficulties
 * @param lastShareAt when its latest share was accepted
 */
public record WorkerStats(String worker, long shares, double sumDifficulty, Instant lastShareAt) {
    public WorkerStats {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(lastShareAt, "lastShareAt");
        if (shares < 1) {
            throw new IllegalArgumentException("a worker in the stats has at least one share: " + shares);
        }
    }
}
