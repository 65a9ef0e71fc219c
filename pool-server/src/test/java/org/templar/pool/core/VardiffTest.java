package org.templar.pool.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.templar.share.Difficulty;

/** Vardiff against a simulated miner (seeded exponential share arrivals), on a simulated clock. */
class VardiffTest {
    private static final VardiffSettings SETTINGS = new VardiffSettings(0.001, 0.00001, 1e12, Duration.ofSeconds(10),
            Duration.ofSeconds(30));

    /**
     * Simulates a miner of {@code hashesPerSecond} for {@code seconds}; returns the median difficulty
     * over the second half (one sample a minute), i.e. where vardiff settled.
     */
    private static double simulate(double hashesPerSecond, int seconds, long seed) {
        java.util.List<Double> samples = new java.util.ArrayList<>();
        long nextSample = seconds / 2 * 1_000_000_000L;
        Random rnd = new Random(seed);
        long now = 0;
        Vardiff v = new Vardiff(SETTINGS, now);
        long end = seconds * 1_000_000_000L;
        while (now < end) {
            if (now >= nextSample) {
                samples.add(v.current().value());
                nextSample += 60_000_000_000L;
            }
            double expectedSeconds = v.current().value() * 4294967296.0 / hashesPerSecond;
            double wait = -Math.log(1 - rnd.nextDouble()) * expectedSeconds;
            if (wait > 5) { // the pool's periodic check runs every 5 s
                now += 5_000_000_000L;
                v.evaluate(now);
                continue;
            }
            now += (long) (wait * 1e9);
            v.onShare(now);
        }
        java.util.Collections.sort(samples);
        return samples.get(samples.size() / 2);
    }

    @Test
    void convergesTowardTheTargetRateFromBelowAndAbove() {
        double hashrate = 100e12; // 100 TH/s: ideal difficulty = 10 s * 100e12 / 2^32 ~ 232830
        double ideal = 10 * hashrate / 4294967296.0;
        for (long seed = 1; seed <= 20; seed++) {
            double d = simulate(hashrate, 3600, seed);
            assertTrue(d > ideal / 2 && d < ideal * 2, "seed " + seed + ": " + d + " vs ideal " + ideal);
        }
        // a CPU at 2 MH/s: ideal ~0.0047
        double cpu = simulate(2e6, 1800, 7);
        double cpuIdeal = 10 * 2e6 / 4294967296.0;
        assertTrue(cpu > cpuIdeal / 2 && cpu < cpuIdeal * 2, cpu + " vs " + cpuIdeal);
    }

    @Test
    void silentMinerGetsEasierWorkDownToTheMinimum() {
        Vardiff v = new Vardiff(SETTINGS, 0);
        Difficulty d = v.current();
        for (int i = 1; i <= 40; i++) {
            v.evaluate(i * 30_000_000_000L);
        }
        assertTrue(v.current().compareTo(d) < 0);
        assertEquals(SETTINGS.minimum(), v.current().value(), 1e-12);
    }

    @Test
    void suggestionIsClampedToTheLimits() {
        Vardiff v = new Vardiff(SETTINGS, 0);
        assertEquals(Difficulty.of(SETTINGS.minimum()), v.suggest(Difficulty.of(1e-9), 0));
        assertEquals(Difficulty.of(0.5), v.suggest(Difficulty.of(0.5), 0));
    }

    @Test
    void aFixedDifficultyIsClampedAndNeverRetargeted() {
        Vardiff v = new Vardiff(SETTINGS, 0);
        assertEquals(Difficulty.of(SETTINGS.minimum()), v.fix(Difficulty.of(1e-9), 0), "clamped to the pool's minimum");
        assertEquals(Difficulty.of(0.5), v.fix(Difficulty.of(0.5), 0));
        assertTrue(v.isFixed());
        long now = 0;
        for (int i = 0; i < 1000; i++) { // a flood that would raise any vardiff difficulty
            now += 1_000_000L;
            assertEquals(Optional.empty(), v.onShare(now));
        }
        assertEquals(Optional.empty(), v.evaluate(now + 3600_000_000_000L), "nor lowered after an hour without shares");
        assertEquals(Difficulty.of(0.5), v.suggest(Difficulty.of(0.01), now), "a suggestion does not override the password");
        assertEquals(Difficulty.of(0.5), v.current());
    }

    @Test
    void passwordOptionsReadDifficultyAmongOtherText() {
        assertEquals(0.5, PasswordOptions.parse("x,d=0.5").difficulty().orElseThrow().value());
        assertEquals(0.5, PasswordOptions.parse("d=0.5").difficulty().orElseThrow().value());
        assertEquals(2048, PasswordOptions.parse(" d=2048 , x").difficulty().orElseThrow().value());
        assertTrue(PasswordOptions.parse("x").difficulty().isEmpty());
        assertTrue(PasswordOptions.parse("d=abc").difficulty().isEmpty());
        assertTrue(PasswordOptions.parse("d=-1").difficulty().isEmpty());
        assertTrue(PasswordOptions.parse("d=NaN").difficulty().isEmpty());
        assertTrue(PasswordOptions.parse("password=d=1").difficulty().isEmpty());
        assertTrue(PasswordOptions.parse(null).difficulty().isEmpty());
    }
}
