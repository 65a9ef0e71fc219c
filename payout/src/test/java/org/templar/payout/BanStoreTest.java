package org.templar.payout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bans table (migration V11) through BanStore, on the embedded H2 ledger, across a reopen. */
class BanStoreTest {
    @TempDir
    Path dir;

    @Test
    void bansAreReplacedDeletedExpiredAndKeptAcrossAReopen() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        try (Ledger ledger = Ledger.open(LedgerConfig.embedded(dir))) {
            BanStore store = new BanStore(ledger.dataSource());
            store.save(new BanStore.StoredBan("203.0.113.0/24", "scanner", "operator", now, now.plus(Duration.ofHours(1))));
            store.save(new BanStore.StoredBan("2001:db8::/32", "v6", "operator", now, now.plus(Duration.ofDays(1))));
            store.save(new BanStore.StoredBan("198.51.100.7", "old", "automatic", now.minusSeconds(120), now.minusSeconds(60)));
            // banning a range again replaces its row
            store.save(new BanStore.StoredBan("203.0.113.0/24", "x".repeat(600), "automatic", now.plusSeconds(1),
                    now.plus(Duration.ofHours(2))));
            assertTrue(store.delete("2001:db8::/32"));
            assertFalse(store.delete("2001:db8::/32"));
        }
        try (Ledger ledger = Ledger.open(LedgerConfig.embedded(dir))) {
            List<BanStore.StoredBan> active = new BanStore(ledger.dataSource()).active(now);
            assertEquals(1, active.size(), active.toString());
            BanStore.StoredBan b = active.get(0);
            assertEquals("203.0.113.0/24", b.range());
            assertEquals("automatic", b.source());
            assertEquals(512, b.reason().length(), "a long reason is cut to the column");
            assertEquals(now.plus(Duration.ofHours(2)), b.expiresAt());
        }
    }
}
