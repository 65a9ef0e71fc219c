package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerConfig;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockStatus;
import org.templar.regtest.RegtestNode;

/**
 * kill -9 with a block solution in flight (issue 7, faults): `templar run` in a process of its own, its
 * node gone when a miner solves a block, so the solution is written and then waits for a node; the pool
 * is killed (SIGKILL: no shutdown hook, nothing flushed by a close). The node comes back, the pool is
 * started again on the same data directory, and the block must reach the node and be recorded ACCEPTED.
 */
@Timeout(180)
class BlockSolutionKillTest {
    private static final Pattern SV1_URL = Pattern.compile("stratum\\+tcp://[^:\\s]+:(\\d+)");
    private static final Pattern CANDIDATE = Pattern.compile("BLOCK CANDIDATE at height \\d+: ([0-9a-f]{64})");

    @Test
    void aSolutionWrittenBeforeTheKillReachesTheNodeAfterRestart(@TempDir Path dir) throws Exception {
        Path chain = dir.resolve("chain");
        Path data = dir.resolve("pool");
        int rpcPort;
        try (ServerSocket s = new ServerSocket(0)) {
            rpcPort = s.getLocalPort(); // the node must come back where the pool looks for it
        }
        RegtestNode.Config nodeConfig = RegtestNode.Config.ephemeral().withPorts(rpcPort, -1).withDataDir(chain);
        RegtestNode node = RegtestNode.start(nodeConfig);
        String nodeUrl = "http://templar:templar@127.0.0.1:" + rpcPort;

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                Templar.class.getName(), "run", "--data-dir", data.toString(), "--node", nodeUrl,
                "--sv1", "127.0.0.1:0", "--sv2", "off", "--metrics", "off", "--set", "admin.listen=off",
                "--set", "jds.listen=off", "--set", "node.poll_interval_ms=100")
                .redirectErrorStream(true)
                .start();
        List<String> output = new CopyOnWriteArrayList<>();
        Set<String> candidates = ConcurrentHashMap.newKeySet();
        int[] sv1Port = {0};
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.add(line);
                    Matcher url = SV1_URL.matcher(line);
                    if (sv1Port[0] == 0 && url.find()) {
                        sv1Port[0] = Integer.parseInt(url.group(1));
                    }
                    Matcher c = CANDIDATE.matcher(line);
                    if (c.find()) {
                        candidates.add(c.group(1));
                    }
                }
            } catch (java.io.IOException e) {
                // the pipe breaks when the child is killed
            }
        }, "child-output");
        reader.setDaemon(true);
        reader.start();
        try {
            PoolHarness.await(Duration.ofSeconds(60), () -> sv1Port[0] != 0 || !child.isAlive(),
                    "the pool's banner");
            assertTrue(child.isAlive(), "the pool did not start:\n" + String.join("\n", output));
            // The pool has its template (the banner comes after the first one). On regtest nearly every hash
            // solves a block, so the node goes away before the miner starts: a solution can only be written.
            node.close();
            try (CpuMiner miner = CpuMiner.start(MinerConfig.of("stratum+tcp://127.0.0.1:" + sv1Port[0], SoloAndPoolMiningTest.newAddress())
                    .withThreads(1).withMaxReconnects(3))) {
                PoolHarness.await(Duration.ofSeconds(60), () -> output.stream().anyMatch(
                        l -> l.contains("no node reachable to take block")) || !child.isAlive(),
                        "a solution waiting for a node");
                assertTrue(child.isAlive(), String.join("\n", output));
            }
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the pool said:\n" + String.join("\n", output), e);
        } finally {
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(20, TimeUnit.SECONDS));
        }
        assertTrue(!candidates.isEmpty(), String.join("\n", output));

        try (RegtestNode again = RegtestNode.start(nodeConfig)) {
            assertEquals(0, again.chain().height(), "no solution reached the node before the kill");
            Map<String, String> cfg = Map.of("data_dir", data.toString(), "node.urls", nodeUrl,
                    "sv1.listen", "127.0.0.1:0", "sv2.listen", "off", "jds.listen", "off", "metrics.listen", "off",
                    "admin.listen", "off");
            try (RunCommand.Running pool = RunCommand.start(
                    org.templar.ops.config.ConfigLoader.load(null, cfg))) {
                PoolHarness.await(Duration.ofSeconds(60), () -> candidates.stream().anyMatch(h -> pool.pool().ledger()
                        .blockByHash(h).map(b -> b.status() == BlockStatus.ACCEPTED).orElse(false)),
                        "a solution from before the kill recorded ACCEPTED");
                String accepted = candidates.stream().filter(h -> pool.pool().ledger().blockByHash(h)
                        .map(b -> b.status() == BlockStatus.ACCEPTED).orElse(false)).findFirst().orElseThrow();
                assertEquals(1, again.chain().height(), "the block is on the node's chain");
                assertEquals(accepted, again.chain().tipHash().toString());
                // every solution written before the kill has a verdict now: none is left CANDIDATE
                PoolHarness.await(Duration.ofSeconds(60), () -> pool.pool().ledger().unsettledSolutions().isEmpty(),
                        "every solution settled");
                for (String h : candidates) {
                    // "BLOCK CANDIDATE" is logged before the durable write: a solve killed between the two
                    // was never written (nor submitted), so only the written ones must have a verdict
                    java.util.Optional<BlockRecord> b = pool.pool().ledger().blockByHash(h);
                    assertTrue(b.isEmpty() || b.get().status() != BlockStatus.CANDIDATE, h + " " + b);
                }
            }
        }
    }
}
