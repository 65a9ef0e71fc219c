package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.pool.sv1.session.Sv1Session;

/** {@code d=NUMBER} in the Stratum V1 password: a fixed difficulty within the pool's bounds, no vardiff. */
@Timeout(120)
class Sv1FixedDifficultyTest {
    private static double firstDifficulty(PoolHarness pool, String password) throws Exception {
        try (Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            c.call("mining.subscribe", "[]");
            JsonNode auth = c.call("mining.authorize", "[\"" + SoloAndPoolMiningTest.newAddress() + ".r\",\"" + password + "\"]");
            assertTrue(auth.get("result").asBoolean(), "a password never costs the authorization: " + auth);
            double d = c.awaitNotification("mining.set_difficulty").get("params").get(0).asDouble();
            c.awaitNotification("mining.notify");
            return d;
        }
    }

    @Test
    void passwordDifficultyIsAnnouncedAndClampedToThePoolsBounds(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("vardiff.maximum", "2"))) {
            assertEquals(0.5, firstDifficulty(pool, "x,d=0.5"));
            assertEquals(0.25, firstDifficulty(pool, "d=0.25"));
            assertEquals(2, firstDifficulty(pool, "x,d=1000"), "clamped to vardiff.maximum");
            assertEquals(0.00001, firstDifficulty(pool, "d=0.000000001"), "clamped to vardiff.minimum");
            assertEquals(0.001, firstDifficulty(pool, "d=lots"), "not a number: vardiff's starting difficulty");
            assertEquals(0.001, firstDifficulty(pool, "x"));
        }
    }

    @Test
    void aSuggestionAfterThePasswordDoesNotOverrideIt(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, Map.of());
                Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            c.call("mining.subscribe", "[]");
            c.call("mining.authorize", "[\"" + SoloAndPoolMiningTest.newAddress() + ".r\",\"d=0.5\"]");
            assertEquals(0.5, c.awaitNotification("mining.set_difficulty").get("params").get(0).asDouble());
            assertTrue(c.call("mining.suggest_difficulty", "[0.01]").get("result").asBoolean());
            Sv1Session s = pool.pool().sv1().orElseThrow().sessions().get(0);
            assertEquals(0.5, s.difficulty().value());
        }
    }

    @Test
    void vardiffLeavesAFixedDifficultyAloneWhileItRetargetsOthers(@TempDir Path dir) throws Exception {
        // vardiff aims at one share a minute: both miners flood it, so it raises the difficulty of
        // every connection it is allowed to touch
        Map<String, String> cfg = Map.of("vardiff.target_share_seconds", "60", "vardiff.initial", "0.0003");
        try (PoolHarness pool = PoolHarness.start(dir, cfg);
                CpuMiner fixed = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, SoloAndPoolMiningTest.newAddress() + ".f")
                        .withPassword("x,d=0.0002"));
                CpuMiner free = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, SoloAndPoolMiningTest.newAddress() + ".v"))) {
            assertTrue(fixed.awaitAccepted(30, Duration.ofSeconds(90)), "fixed: " + fixed.snapshot());
            assertTrue(free.awaitAccepted(20, Duration.ofSeconds(90)), "free: " + free.snapshot());
            PoolHarness.await(Duration.ofSeconds(30), () -> difficultyOf(pool, ".v") > 0.0003,
                    "vardiff raised the free miner's difficulty");
            assertEquals(0.0002, difficultyOf(pool, ".f"), "the d= miner keeps its difficulty");
            assertNotEquals(0.0002, difficultyOf(pool, ".v"));
        }
    }

    @Test
    void theOperatorCanFixAWorkersDifficulty(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("admin.listen", "127.0.0.1:0", "vardiff.maximum", "4"));
                Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            String worker = SoloAndPoolMiningTest.newAddress() + ".op";
            c.call("mining.subscribe", "[]");
            c.call("mining.authorize", "[\"" + worker + "\",\"x\"]");
            assertEquals(0.001, c.awaitNotification("mining.set_difficulty").get("params").get(0).asDouble());
            c.awaitNotification("mining.notify");
            String[] admin = {"--admin-url", "http://127.0.0.1:" + pool.running.admin().address().getPort(),
                "--token-file", dir.resolve("admin.token").toString()};

            CliTest.Result set = CliTest.run(BlockStatusMetricTest.concat(new String[] {"set-difficulty", worker, "0.5"}, admin));
            assertEquals(0, set.code(), set.err());
            assertTrue(set.out().contains("difficulty 0.500000 on 1 SV1 connection(s)"), set.out());
            assertEquals(0.5, c.awaitNotification("mining.set_difficulty").get("params").get(0).asDouble(),
                    "announced at once");
            assertEquals(0.5, difficultyOf(pool, ".op"));

            CliTest.Result clamped = CliTest.run(BlockStatusMetricTest.concat(new String[] {"set-difficulty", worker, "100"}, admin));
            assertTrue(clamped.out().contains("difficulty 4.00000"), clamped.out());
            CliTest.Result unknown = CliTest.run(BlockStatusMetricTest.concat(new String[] {"set-difficulty", "nobody", "1"}, admin));
            assertEquals(1, unknown.code());
            assertTrue(unknown.err().contains("no connected worker or account named 'nobody'"), unknown.err());
            CliTest.Result bad = CliTest.run(BlockStatusMetricTest.concat(new String[] {"set-difficulty", worker, "lots"}, admin));
            assertEquals(2, bad.code());
            assertTrue(bad.err().contains("parameter 'difficulty'"), bad.err());
        }
    }

    private static double difficultyOf(PoolHarness pool, String suffix) {
        return pool.pool().sv1().orElseThrow().sessions().stream()
                .filter(s -> s.worker().map(w -> w.username().endsWith(suffix)).orElse(false))
                .mapToDouble(s -> s.difficulty().value()).findFirst().orElse(Double.NaN);
    }
}
