package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;
import org.templar.share.Difficulty;

/**
 * {@code templar set-difficulty} on Stratum V2: the worker's channel gets SetTarget for the asked
 * difficulty (clamped to the vardiff bounds) and new work, and vardiff leaves it pinned while
 * another channel on the same connection, left to vardiff, is retargeted.
 */
@Timeout(120)
class Sv2SetDifficultyTest {
    private static final U256 ANY_TARGET = U256.of(Sv2MiningTest.filled((byte) 0xff));

    private static U256 targetOf(double difficulty) {
        return U256.of(Difficulty.of(difficulty).toTarget().toLittleEndian());
    }

    @Test
    void setDifficultySendsSetTargetAndPinsTheChannel(@TempDir Path dir) throws Exception {
        String address = SoloAndPoolMiningTest.newAddress();
        String worker = address + ".rig";
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("sv2.listen", "127.0.0.1:0", "admin.listen", "127.0.0.1:0",
                "vardiff.minimum", "0.00001", "vardiff.initial", "0.001", "vardiff.maximum", "4",
                "vardiff.retarget_seconds", "1"));
                Sv2TestClient c = Sv2MiningTest.connect(pool)) {
            c.send(Sv2TestClient.setup(0));
            c.await(Sv2Common.SetupConnectionSuccess.class);
            c.send(new Sv2Mining.OpenStandardMiningChannel(1, Str0255.of(worker), 0f, ANY_TARGET));
            Sv2Mining.OpenStandardMiningChannelSuccess pinned = c.await(Sv2Mining.OpenStandardMiningChannelSuccess.class);
            assertEquals(targetOf(0.001), pinned.target(), "opened at vardiff.initial");
            c.send(new Sv2Mining.OpenStandardMiningChannel(2, Str0255.of(address + ".free"), 0f, ANY_TARGET));
            Sv2Mining.OpenStandardMiningChannelSuccess free = c.await(Sv2Mining.OpenStandardMiningChannelSuccess.class);
            c.drain(Duration.ofMillis(300));

            String[] admin = {"--admin-url", "http://127.0.0.1:" + pool.running.admin().address().getPort(),
                "--token-file", dir.resolve("admin.token").toString()};
            CliTest.Result set = CliTest.run(BlockStatusMetricTest.concat(new String[] {"set-difficulty", worker, "0.5"}, admin));
            assertEquals(0, set.code(), set.err());
            assertTrue(set.out().contains("difficulty 0.500000 on 0 SV1 connection(s) and 1 SV2 channel(s) of " + worker),
                    set.out());
            Sv2Mining.SetTarget t = c.await(Sv2Mining.SetTarget.class);
            assertEquals(pinned.channelId(), t.channelId(), "only the named worker's channel");
            assertEquals(targetOf(0.5), t.maximumTarget());
            Sv2Mining.NewMiningJob job = c.await(Sv2Mining.NewMiningJob.class);
            assertEquals(pinned.channelId(), job.channelId(), "work again under the new target");

            // No shares at all: vardiff eases the free channel within a few evaluations; the pinned one stays.
            long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            boolean freeRetargeted = false;
            while (!freeRetargeted && System.nanoTime() < end) {
                for (Sv2Message m : c.drain(Duration.ofMillis(500))) {
                    if (m instanceof Sv2Mining.SetTarget s) {
                        assertEquals(free.channelId(), s.channelId(), "the pinned channel is not retargeted: " + s);
                        freeRetargeted = true;
                    }
                }
            }
            assertTrue(freeRetargeted, "vardiff retargets the channel that was not pinned");

            CliTest.Result clamped = CliTest.run(BlockStatusMetricTest.concat(new String[] {"set-difficulty", address, "100"},
                    admin));
            assertEquals(0, clamped.code(), clamped.err());
            assertTrue(clamped.out().contains("difficulty 4.00000 on 0 SV1 connection(s) and 2 SV2 channel(s)"), clamped.out());
            // (a vardiff SetTarget of the free channel may still be on its way: only 4's count)
            java.util.Set<Long> atFour = new java.util.TreeSet<>();
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (atFour.size() < 2 && System.nanoTime() < until) {
                for (Sv2Message m : c.drain(Duration.ofMillis(300))) {
                    if (m instanceof Sv2Mining.SetTarget s && s.maximumTarget().equals(targetOf(4))) {
                        atFour.add(s.channelId());
                    }
                }
            }
            assertEquals(new java.util.TreeSet<>(List.of(pinned.channelId(), free.channelId())), atFour,
                    "an account name pins every channel of the account, at the clamped difficulty");
        }
    }
}
