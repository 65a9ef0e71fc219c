package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.regtest.RegtestNode;

/** Several nodes: templates from the first healthy one, every solved block to all of them. */
@Timeout(120)
class MultiNodeTest {
    private static String url(RegtestNode n) {
        return "http://" + n.rpcUser() + ":" + n.rpcPassword() + "@127.0.0.1:" + n.rpcUri().getPort();
    }

    @Test
    void blocksGoToEveryNodeAndTemplatesFailOverWhenTheFirstDies(@TempDir Path dir) throws Exception {
        RegtestNode a = RegtestNode.start(RegtestNode.Config.ephemeral());
        RegtestNode b = RegtestNode.start(RegtestNode.Config.ephemeral());
        String address = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("node.urls", url(a) + "," + url(b), "node.timeout_ms", "2000"));
                CpuMiner miner = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, address))) {
            PoolHarness.await(Duration.ofSeconds(60), () -> a.chain().height() >= 2 && b.chain().height() >= 2,
                    "both nodes receive the pool's blocks");
            assertEquals(a.chain().height() > 0, b.chain().height() > 0);
            a.close();
            int bHeight = b.chain().height();
            PoolHarness.await(Duration.ofSeconds(60), () -> b.chain().height() >= bHeight + 2,
                    "with the first node gone, work comes from the second and its chain grows");
            assertTrue(pool.pool().nodes().isHealthy(1));
        } finally {
            a.close();
            b.close();
        }
    }
}
