package org.templar.payout;

import java.util.concurrent.CompletableFuture;

/**
 * What the share path needs from the ledger: take an accepted share and say when it is durable, so
 * the miner is told "accepted" only of shares that survive a crash. {@link Ledger} is the one real
 * implementation (bounded queue, group commit); the pool's share processor depends on this interface
 * alone, so it can be exercised without a database.
 */
public interface ShareLedger {
    /**
     * Queues a share. Never blocks: it is called on network event loops. The future completes when
     * the share is durable; it is already failed with {@link LedgerBusyException} when the ledger
     * cannot take more right now, and fails later with a {@link LedgerException} when the share's
     * batch could not be written (rolled back whole: never half recorded).
     */
    CompletableFuture<Void> recordShare(ShareRecord share);
}
