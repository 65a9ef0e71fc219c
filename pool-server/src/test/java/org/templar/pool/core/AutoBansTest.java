package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The automatic ban rules on a fake clock: thresholds, ratio, the sliding window, one address apart from another. */
class AutoBansTest {
    private final AtomicLong nanos = new AtomicLong(Duration.ofHours(1).toNanos());
    private final BanList bans = new BanList();
    private final AutoBanSettings settings = new AutoBanSettings(true, Duration.ofMinutes(10), Duration.ofSeconds(60), 20,
            0.5, 100, 3, 5, Duration.ofSeconds(60));
    private final AutoBans auto = new AutoBans(settings, bans, PoolMetrics.NONE, OperatorLog.unlimited(), nanos::get);

    private static InetAddress a(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void aHighInvalidRatioBansOnlyOnceThereAreEnoughShares() throws Exception {
        InetAddress bad = a("192.0.2.1");
        InetAddress honest = a("192.0.2.2");
        for (int i = 0; i < 25; i++) {
            auto.onShare(bad, true);
            auto.onShare(honest, i % 5 == 0); // 10 % invalid: fine
            auto.onShare(honest, false);
        }
        assertTrue(bans.isBanned(bad));
        assertFalse(bans.isBanned(honest), "an honest miner's few invalid shares are no reason");
    }

    @Test
    void fewSharesAreNotEnoughToJudgeARatio() throws Exception {
        InetAddress a = a("192.0.2.3");
        for (int i = 0; i < 19; i++) {
            auto.onShare(a, true);
        }
        assertFalse(bans.isBanned(a), "19 shares are fewer than bans.min_shares");
        auto.onShare(a, true);
        assertTrue(bans.isBanned(a));
        BanList.Ban ban = bans.banOf(a);
        assertEquals(BanList.Source.AUTOMATIC, ban.source());
        assertTrue(ban.reason().contains("20 of 20 shares invalid"), ban.reason());
    }

    @Test
    void countsOutsideTheWindowAreForgotten() throws Exception {
        InetAddress a = a("192.0.2.4");
        auto.onAuthFailure(a);
        auto.onAuthFailure(a);
        nanos.addAndGet(Duration.ofSeconds(150).toNanos()); // two windows later
        auto.onAuthFailure(a);
        assertFalse(bans.isBanned(a), "old failures no longer count");
        auto.onAuthFailure(a);
        auto.onAuthFailure(a);
        assertTrue(bans.isBanned(a));
        assertTrue(bans.banOf(a).reason().contains("failed authorizations"));
    }

    @Test
    void theSlidingWindowWeighsThePreviousWindow() throws Exception {
        InetAddress a = a("192.0.2.5");
        // 4 protocol errors half way through one fixed window, 2 more 40 s later in the next: 6 within
        // 40 s, though only 2 in the current fixed window (estimated 2 + 4 x 5/6 = 5.3 >= 5)
        long window = Duration.ofSeconds(60).toNanos();
        long slotStart = Math.floorDiv(nanos.get(), window) * window;
        nanos.set(slotStart + Duration.ofSeconds(30).toNanos());
        for (int i = 0; i < 4; i++) {
            auto.onProtocolError(a);
        }
        nanos.addAndGet(Duration.ofSeconds(40).toNanos());
        auto.onProtocolError(a);
        assertFalse(bans.isBanned(a), "1 + 4 x 5/6 < 5");
        auto.onProtocolError(a);
        assertTrue(bans.isBanned(a), "the previous window still counts");
    }

    @Test
    void manyInvalidSharesBanWhateverTheRatio() throws Exception {
        InetAddress a = a("192.0.2.6");
        for (int i = 0; i < 1000 && !bans.isBanned(a); i++) {
            auto.onShare(a, false);
            auto.onShare(a, false);
            auto.onShare(a, i % 2 == 0);
        }
        assertTrue(bans.isBanned(a), "100 invalid shares in a minute, though only a sixth of them");
    }

    @Test
    void offMeansOff() throws Exception {
        AutoBans none = new AutoBans(AutoBanSettings.off(), bans, PoolMetrics.NONE, OperatorLog.unlimited(), nanos::get);
        InetAddress a = a("192.0.2.7");
        for (int i = 0; i < 1000; i++) {
            none.onProtocolError(a);
            none.onShare(a, true);
        }
        assertFalse(bans.isBanned(a));
        assertEquals(0, none.tracked());
    }
}
