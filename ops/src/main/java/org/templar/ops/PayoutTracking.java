package org.templar.ops;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.payout.BlockTracker;

/**
 * Runs the block tracker on its own thread every {@code interval}. A failed poll (node down,
 * database away) is logged and retried at the next tick: every tracker step is idempotent, so
 * nothing is lost by trying again.
 */
final class PayoutTracking implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PayoutTracking.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "templar-block-tracker");
        t.setDaemon(true);
        return t;
    });

    PayoutTracking(BlockTracker tracker, Duration interval) {
        this(tracker, interval, () -> true);
    }

    /**
     * @param leading whether this instance runs the once-per-pool work now (see PoolInstances): a tick
     *     on an instance that does not lead does nothing, so several instances never credit a block twice
     */
    PayoutTracking(BlockTracker tracker, Duration interval, java.util.function.BooleanSupplier leading) {
        timer.scheduleWithFixedDelay(() -> {
            if (!leading.getAsBoolean()) {
                return;
            }
            try {
                BlockTracker.Report report = tracker.poll();
                if (report.credited() + report.orphaned() > 0) {
                    log.info("block tracker: {} block(s) credited, {} followed, {} orphaned",
                            report.credited(), report.confirmed(), report.orphaned());
                }
            } catch (RuntimeException e) {
                log.warn("block tracker: poll failed, retrying in {} s: {}", interval.toSeconds(), e.toString());
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
