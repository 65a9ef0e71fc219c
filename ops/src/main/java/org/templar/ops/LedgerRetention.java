package org.templar.ops;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.payout.ShareRetention;

/**
 * Compacts old shares ({@link ShareRetention}) every {@code ledger.compact_minutes} on a thread of its
 * own, so a first run over years of shares never holds up block tracking. Only the instance leading
 * block tracking runs it (the work is once per pool; a second instance would only wait on the lock
 * of {@code share_retention}). A failed run (node or database away) is logged and tried at the next
 * tick: a batch is all or nothing.
 */
final class LedgerRetention implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LedgerRetention.class);
    /** One tick compacts for at most this long; what is left goes at the next tick. */
    static final Duration TICK_BUDGET = Duration.ofMinutes(5);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "templar-ledger-retention");
        t.setDaemon(true);
        return t;
    });

    LedgerRetention(ShareRetention retention, Duration interval, BooleanSupplier leading) {
        // the first run a minute after start: the block tracker has had a look at the chain by then
        long first = Math.min(interval.toMillis(), 60_000);
        timer.scheduleWithFixedDelay(() -> {
            if (!leading.getAsBoolean()) {
                return;
            }
            try {
                ShareRetention.Summary s = retention.compact(TICK_BUDGET);
                if (s.sharesCompacted() > 0) {
                    log.info("ledger retention: {} shares compacted into aggregates in {} ms ({} left in detail{})",
                            s.sharesCompacted(), s.took().toMillis(), s.sharesLeft(), s.done() ? "" : "; more next time");
                }
            } catch (RuntimeException e) {
                log.warn("ledger retention: compaction failed, trying again in {} min: {}", interval.toMinutes(), e.toString());
            }
        }, first, interval.toMillis(), TimeUnit.MILLISECONDS);
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
