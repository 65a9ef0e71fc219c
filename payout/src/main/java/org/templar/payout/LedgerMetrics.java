package org.templar.payout;

/**
 * What the ledger reports about itself. An interface so that the ledger never imports a metrics
 * library: the composition root adapts it to Prometheus. Called from the writer threads (and, for
 * {@link #busyRejection()}, from the callers of {@link Ledger#recordShare}); implementations must
 * be thread-safe and cheap.
 */
public interface LedgerMetrics {

    /** Shares waiting in the queue, sampled each time the writer starts a batch. */
    void queueDepth(int depth);

    /** A batch of {@code size} shares committed durably in {@code commitNanos} (insert + commit + sync). */
    void batchCommitted(int size, long commitNanos);

    /** A batch of {@code size} shares failed and was rolled back; its futures failed with {@code cause}. */
    void batchFailed(int size, Throwable cause);

    /** A share was refused because the queue was full. */
    void busyRejection();

    /** Metrics that go nowhere. */
    LedgerMetrics NONE = new LedgerMetrics() {
        @Override
        public void queueDepth(int depth) {}

        @Override
        public void batchCommitted(int size, long commitNanos) {}

        @Override
        public void batchFailed(int size, Throwable cause) {}

        @Override
        public void busyRejection() {}
    };
}
