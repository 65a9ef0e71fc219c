package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ShareStatsTest {
    private static final double D1 = ShareStats.HASHES_PER_DIFFICULTY_1;
    // a round epoch time, so bucket edges are easy to reason about
    private final AtomicLong now = new AtomicLong(1_700_000_000_000L - 1_700_000_000_000L % 600_000L);
    private final ShareStats stats = new ShareStats(now::get);

    private void accept(String worker, double difficulty) {
        stats.record(worker, ShareVerdict.ACCEPTED, difficulty, difficulty * 1.5);
    }

    @Test
    void steadyWorkerGivesDifficultyTimesTwoToThe32PerSecond() {
        // difficulty 2 every second for 2 h: 2 * 2^32 H/s
        for (int s = 0; s <= 7200; s++) {
            accept("acct.rig", 2);
            now.addAndGet(1000);
        }
        now.addAndGet(-1000); // "now" is the last share
        ShareStats.Hashrate h = stats.workers().get(0).hashrate();
        // 5 min window: whole minute buckets, measured over the time they cover (4-5 min)
        assertEquals(2 * D1, h.m5(), 2 * D1 * 0.01);
        assertEquals(2 * D1, h.h1(), 2 * D1 * 0.01);
        // 24 h window reaches back before the first share: measured from it, without counting it
        assertEquals(2 * D1, h.h24(), 2 * D1 * 1e-9);
    }

    @Test
    void windowsForgetOldWorkAndIdleWorkersAreEvicted() {
        for (int s = 0; s < 600; s++) {
            accept("a.one", 1);
            now.addAndGet(1000);
        }
        now.addAndGet(2 * 3600_000L); // two idle hours
        ShareStats.Hashrate h = stats.workers().get(0).hashrate();
        assertEquals(0, h.m5());
        assertEquals(0, h.h1());
        // 599 counted shares (the first only starts the clock) over the 2 h 10 min since the first
        assertEquals(599 * D1 / (600 + 7200), h.h24(), D1 * 1e-6);

        now.addAndGet(23 * 3600_000L); // over 24 h idle
        accept("b.two", 1); // any share sweeps
        assertEquals(1, stats.workers().size());
        assertEquals("b.two", stats.workers().get(0).worker());
    }

    @Test
    void accountsAndPoolSumTheirWorkersAndOutcomesAreCounted() {
        for (int s = 0; s <= 100; s++) {
            accept("alice.a", 1);
            accept("alice.b", 3);
            accept("bob", 4);
            now.addAndGet(1000);
        }
        now.addAndGet(-1000);
        stats.record("bob", ShareVerdict.STALE, 4, 0.2);
        stats.record("bob", ShareVerdict.DUPLICATE, 4, 9);
        stats.record(null, ShareVerdict.LOW_DIFFICULTY, 1, 0.1);
        stats.record("mallory.never-accepted", ShareVerdict.LOW_DIFFICULTY, 1, 0.1);

        var accounts = stats.accounts();
        assertEquals(2, accounts.size());
        assertEquals("alice", accounts.get(0).account());
        assertEquals(2, accounts.get(0).workers());
        assertEquals(4 * D1, accounts.get(0).hashrate().m5(), 4 * D1 * 1e-9);
        assertEquals(4 * D1, accounts.get(1).hashrate().m5(), 4 * D1 * 1e-9);
        ShareStats.PoolView p = stats.pool();
        assertEquals(8 * D1, p.hashrate().m5(), 8 * D1 * 1e-9);
        assertEquals(303L, p.sharesByOutcome().get("accepted"));
        assertEquals(1L, p.sharesByOutcome().get("stale"));
        assertEquals(1L, p.sharesByOutcome().get("duplicate"));
        assertEquals(2L, p.sharesByOutcome().get("low_difficulty"));
        assertEquals(3, stats.workers().size(), "refused shares alone create no worker");
        var bob = stats.workers().stream().filter(w -> w.worker().equals("bob")).findFirst().orElseThrow();
        assertEquals(1L, bob.rejected().get("stale"));
        assertEquals(101, bob.accepted());
        assertEquals(6.0, bob.bestDifficulty(), "refused shares never count as best");
        assertEquals(now.get(), bob.lastShareAt().toEpochMilli());
    }

    @Test
    void bestShareOfTheRoundStartsAgainAfterABlock() {
        stats.record("w", ShareVerdict.ACCEPTED, 1, 50);
        stats.record("w", ShareVerdict.ACCEPTED, 1, 7);
        assertEquals(50, stats.pool().bestDifficultyRound());
        stats.roundEnded();
        assertEquals(0, stats.pool().bestDifficultyRound());
        assertEquals(50, stats.pool().bestDifficulty());
        stats.record("w", ShareVerdict.ACCEPTED, 1, 3);
        assertEquals(3, stats.workers().get(0).bestDifficultyRound());
        assertEquals(50, stats.workers().get(0).bestDifficulty());
    }

    @Test
    void noHashrateBeforeASecondOfObservationAndExpectedBlockTime() {
        accept("w", 1);
        assertEquals(0, stats.pool().hashrate().m5());
        assertEquals(Double.POSITIVE_INFINITY, ShareStats.expectedSecondsToBlock(1, 0));
        // difficulty 1 at 2^32 H/s: one second
        assertEquals(600, ShareStats.expectedSecondsToBlock(600, D1), 1e-9);
        assertTrue(stats.workers().get(0).lastShareAt() != null);
    }

    @Test
    void seriesHas24HoursOfTenMinutePointsPerAccount() {
        long start = now.get();
        // alice: difficulty 600 in the slot 30 min ago; bob's work never shows on alice's chart
        now.set(start - 30 * 60_000L + 1);
        accept("alice.a", 600);
        accept("bob.b", 6000);
        // alice, current slot: difficulty 60 five minutes into it
        now.set(start + 5 * 60_000L);
        accept("alice.b", 60);

        var series = stats.series("alice"::equals);
        assertEquals(ShareStats.SERIES_SLOTS, series.size());
        assertEquals(start, series.get(series.size() - 1).start().toEpochMilli(), "last point is the current slot");
        assertEquals(600 * D1 / 600, series.get(series.size() - 4).hashrate(), 1e-6, "a whole slot: sum / 600 s");
        assertEquals(60 * D1 / 300, series.get(series.size() - 1).hashrate(), 1e-6, "the current slot so far");
        assertEquals(0, series.get(0).hashrate());
        for (int i = 1; i < series.size(); i++) {
            assertEquals(600_000L, series.get(i).start().toEpochMilli() - series.get(i - 1).start().toEpochMilli());
        }
        assertEquals(6600 * D1 / 600, stats.series(a -> true).get(series.size() - 4).hashrate(), 1e-6, "the pool");
    }
}
