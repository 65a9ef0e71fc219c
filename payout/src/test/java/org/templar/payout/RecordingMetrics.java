package org.templar.payout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Keeps what the ledger reported, for assertions. */
final class RecordingMetrics implements LedgerMetrics {
    final List<Integer> committedBatches = new CopyOnWriteArrayList<>();
    final List<Long> commitNanos = new CopyOnWriteArrayList<>();
    final List<Integer> failedBatches = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    final AtomicInteger busy = new AtomicInteger();
    final AtomicInteger maxQueueDepth = new AtomicInteger();
    /** The writer threads that committed a batch. */
    final java.util.Set<String> committingThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public void queueDepth(int depth) {
        maxQueueDepth.accumulateAndGet(depth, Math::max);
    }

    @Override
    public void batchCommitted(int size, long commitNanos) {
        committedBatches.add(size);
        committingThreads.add(Thread.currentThread().getName());
        this.commitNanos.add(commitNanos);
    }

    @Override
    public void batchFailed(int size, Throwable cause) {
        failedBatches.add(size);
        failures.add(cause);
    }

    @Override
    public void busyRejection() {
        busy.incrementAndGet();
    }
}
