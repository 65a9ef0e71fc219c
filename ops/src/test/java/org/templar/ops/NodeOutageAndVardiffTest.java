package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerStats;
import org.templar.pool.sv1.session.Sv1Session;
import org.templar.regtest.RegtestNode;

@Timeout(180)
class NodeOutageAndVardiffTest {

    @Test
    void poolSurvivesANodeOutageAndResumesWorkWhenItReturns(@TempDir Path dir) throws Exception {
        Path chainDir = dir.resolve("chain");
        RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral().withDataDir(chainDir));
        int rpcPort = node.rpcUri().getPort();
        String url = "http://" + node.rpcUser() + ":" + node.rpcPassword() + "@127.0.0.1:" + rpcPort;
        String address = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir.resolve("pool"), Map.of("node.urls", url, "node.timeout_ms", "2000"));
                CpuMiner miner = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, address))) {
            assertTrue(miner.awaitBlocks(1, Duration.ofSeconds(60)), "mining works before the outage");
            final RegtestNode first = node;
            PoolHarness.await(Duration.ofSeconds(20), () -> first.chain().height() >= 1, "the block reached the node");
            node.close();
            Thread.sleep(3000); // the pool polls, fails, keeps its miners on the last work
            try (Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
                assertTrue(c.call("mining.subscribe", "[]").get("error").isNull(), "the pool still serves during the outage");
            }
            long before = miner.snapshot().blocks();
            node = RegtestNode.start(RegtestNode.Config.ephemeral().withDataDir(chainDir).withPorts(rpcPort, -1));
            int heightAfterRestart = node.chain().height();
            assertTrue(heightAfterRestart >= 1, "the node kept its chain");
            assertTrue(miner.awaitBlocks(before + 2, Duration.ofSeconds(90)), "blocks again after the node is back: "
                    + miner.snapshot());
            final RegtestNode restarted = node;
            PoolHarness.await(Duration.ofSeconds(30), () -> restarted.chain().height() > heightAfterRestart,
                    "the restarted node's chain grows");
        } finally {
            node.close();
        }
    }

    @Test
    void vardiffRaisesAnEasyStartTowardTheTargetShareRate(@TempDir Path dir) throws Exception {
        // start far too easy for a CPU (hundreds of shares a second) and aim for one share every 2 s
        Map<String, String> cfg = Map.of("vardiff.initial", "0.000001", "vardiff.minimum", "0.000001",
                "vardiff.target_share_seconds", "2", "vardiff.retarget_seconds", "2");
        String address = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, cfg);
                CpuMiner miner = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, address))) {
            assertTrue(miner.awaitAccepted(5, Duration.ofSeconds(60)), miner.snapshot().toString());
            // ideal difficulty for 2 s per share = 2 * hashrate / 2^32; wait until vardiff gets within 4x of it
            PoolHarness.await(Duration.ofSeconds(90), () -> {
                MinerStats s = miner.snapshot();
                double ideal = 2 * s.hashrate() / 4294967296.0;
                double d = sessionDifficulty(pool);
                return s.hashrate() > 0 && d > ideal / 4 && d < ideal * 4;
            }, "vardiff converges (difficulty " + sessionDifficulty(pool) + ")");
            double settled = sessionDifficulty(pool);
            assertTrue(settled > 0.000001 * 50, "raised from the start: " + settled);
        }
    }

    private static double sessionDifficulty(PoolHarness pool) {
        return pool.pool().sv1().orElseThrow().sessions().stream().mapToDouble(s -> s.difficulty().value()).max().orElse(0);
    }
}
