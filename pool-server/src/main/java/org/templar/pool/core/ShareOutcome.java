package org.templar.pool.core;

import java.util.concurrent.CompletableFuture;

/**
 * The result of one share: the verdict, whether it solved a block (submitted regardless of the
 * verdict), and for accepted shares a future that completes once the share is durable in the ledger;
 * answer the miner only then.
 */
public record ShareOutcome(ShareVerdict verdict, boolean blockCandidate, double achievedDifficulty,
        CompletableFuture<Void> durable) {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    public static ShareOutcome rejected(ShareVerdict verdict, boolean blockCandidate, double achieved) {
        return new ShareOutcome(verdict, blockCandidate, achieved, DONE);
    }
}
