package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.payout.BlockTracker;
import org.templar.payout.Ledger;
import org.templar.payout.LedgerConfig;
import org.templar.payout.ShareRecord;
import org.templar.payout.ShareRetention;
import org.templar.payout.scheme.PoolFee;
import org.templar.payout.scheme.Solo;

/** The periodic compaction runs only while its instance leads, and compacts as soon as it does. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LedgerRetentionTest {
    @Test
    void onlyTheLeaderCompacts() throws Exception {
        try (Ledger ledger = Ledger.open(LedgerConfig.inMemory("ledger-retention"))) {
            Instant old = Instant.now().minus(Duration.ofDays(30));
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                acks.add(ledger.recordShare(ShareRecord.of("alice.rig1", "j", "c", 1, 1, String.format("%064x", i + 1), false,
                        ShareRecord.SOLO, old.plusSeconds(i))));
            }
            CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).get(10, TimeUnit.SECONDS);
            ShareRetention retention = new ShareRetention(ledger, new Solo(PoolFee.NONE),
                    BlockTracker.ChainView.withoutBlocks(1, 0), ShareRetention.DEFAULT_MINIMUM_AGE);
            AtomicBoolean leading = new AtomicBoolean();
            AtomicInteger asked = new AtomicInteger();
            try (LedgerRetention task = new LedgerRetention(retention, Duration.ofMillis(20), () -> {
                asked.incrementAndGet();
                return leading.get();
            })) {
                PoolHarness.await(Duration.ofSeconds(10), () -> asked.get() >= 5, "a few ticks");
                assertEquals(100, ledger.shareCount(), "not leading: nothing compacted");
                leading.set(true);
                PoolHarness.await(Duration.ofSeconds(10), () -> ledger.shareCount() == 0, "the leader compacts");
                assertEquals(100, ledger.retentionHorizon().compactedShares());
            }
        }
    }
}
