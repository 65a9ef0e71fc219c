package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerConfig;
import org.templar.client.proxy.PoolUpstream;
import org.templar.client.proxy.ProxyConfig;
import org.templar.client.proxy.TemplarProxy;
import org.templar.pool.core.Authorizer;
import org.templar.pool.node.NodeEndpoint;
import org.templar.regtest.RegtestNode;

/**
 * `templar proxy` with two real pools (`templar run`, each with its JDS and ledger, both on one regtest
 * node with the proxy, so every declaration is at the pools' height): a CPU miner behind the proxy earns
 * shares in pool 1's ledger; pool 1 stops and within 5 s its shares are in pool 2's ledger; pool 2 stops
 * too and within 5 s the miner is on solo work and finds a block paying the solo address; pool 1 starts
 * again on its ports and the proxy mines for it again.
 */
@Timeout(180)
class ProxyPoolListEndToEndTest {
    private static Map<String, String> poolOptions(RegtestNode node, String sv2, String jds) {
        return Map.of("node.urls", "http://" + node.rpcUser() + ":" + node.rpcPassword() + "@127.0.0.1:"
                + node.rpcUri().getPort(), "node.zmq_hashblock", node.zmqEndpoint(), "sv2.listen", sv2, "jds.listen", jds);
    }

    private static PoolUpstream.Config upstream(PoolHarness pool, String user) {
        return new PoolUpstream.Config(pool.pool().jdsAddress(), pool.pool().sv2Address(),
                pool.pool().authority().orElseThrow().publicKey(), user, Duration.ofSeconds(2), Duration.ofSeconds(1));
    }

    private static long sharesOf(PoolHarness pool, String account) {
        return pool.pool().ledger().sharesFor(account, 1000).size();
    }

    private static String hostPort(InetSocketAddress a) {
        return "127.0.0.1:" + a.getPort();
    }

    @Test
    void minesForTheFirstPoolThatWorksFallsToTheNextThenSoloAndReturns(@TempDir Path dir) throws Exception {
        String solo = SoloAndPoolMiningTest.newAddress();
        byte[] soloScript = Authorizer.planFor(BitcoinNetwork.REGTEST, solo).script();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            PoolHarness pool1 = JdsEndToEndTest.startPool(dir.resolve("pool1"),
                    poolOptions(node, "127.0.0.1:0", "127.0.0.1:0"));
            PoolHarness pool2 = JdsEndToEndTest.startPool(dir.resolve("pool2"),
                    poolOptions(node, "127.0.0.1:0", "127.0.0.1:0"));
            List<PoolHarness> open = new java.util.ArrayList<>(List.of(pool1, pool2));
            PoolUpstream.Config first = upstream(pool1, "dave.proxy");
            PoolUpstream.Config second = upstream(pool2, "erin.proxy");
            ProxyConfig cfg = ProxyConfig.of(new NodeEndpoint(node.rpcUri(), node.rpcUser(), node.rpcPassword(),
                    Optional.ofNullable(node.zmqEndpoint())), BitcoinNetwork.REGTEST, solo,
                    new InetSocketAddress("127.0.0.1", 0), dir.resolve("proxy")).withPools(List.of(first, second));
            try (TemplarProxy proxy = TemplarProxy.start(cfg);
                    CpuMiner m = CpuMiner.start(MinerConfig.of("stratum+tcp://127.0.0.1:" + proxy.sv1Address().getPort(),
                            "s19").withThreads(1).withMaxReconnects(3))) {
                PoolHarness.await(Duration.ofSeconds(30), () -> proxy.activePool().equals(Optional.of(first))
                        && sharesOf(pool1, "dave") > 0, "shares in pool 1's ledger");

                long stop = System.nanoTime();
                pool1.close();
                open.remove(pool1);
                PoolHarness.await(Duration.ofSeconds(5), () -> sharesOf(pool2, "erin") > 0,
                        "shares in pool 2's ledger within 5 s of pool 1 stopping");
                System.out.printf("pool 1 stopped -> first share in pool 2's ledger after %d ms%n",
                        (System.nanoTime() - stop) / 1_000_000);
                // Awaited, not read once: a block found just then can make pool 2's JDS refuse the newest
                // declaration for the old height before the proxy's node has the block; the proxy then
                // mines solo and retries the pools after its 1 s retry interval.
                PoolHarness.await(Duration.ofSeconds(5), () -> proxy.activePool().equals(Optional.of(second)),
                        "the proxy mines for pool 2");

                stop = System.nanoTime();
                pool2.close();
                open.remove(pool2);
                PoolHarness.await(Duration.ofSeconds(5), () -> proxy.mode() == PoolUpstream.Mode.SOLO
                        && proxy.currentTemplate().coinbaseMaker() == null, "solo work within 5 s of pool 2 stopping");
                System.out.printf("pool 2 stopped -> solo work after %d ms%n", (System.nanoTime() - stop) / 1_000_000);
                int soloFrom = node.chain().height();
                PoolHarness.await(Duration.ofSeconds(30), () -> {
                    for (int h = node.chain().height(); h > soloFrom; h--) {
                        var cb = node.chain().coinbaseAt(h);
                        if (cb.isPresent() && Arrays.equals(soloScript, cb.get().getOutput(0).getScriptBytes())) {
                            return true;
                        }
                    }
                    return false;
                }, "a block paying the solo address");

                // pool 1 back on the same ports with the same data directory (so the same authority key)
                PoolHarness back = JdsEndToEndTest.startPool(dir.resolve("pool1"), poolOptions(node,
                        hostPort(first.mining()), hostPort(first.jds())));
                open.add(back);
                long before = sharesOf(back, "dave");
                PoolHarness.await(Duration.ofSeconds(20), () -> proxy.activePool().equals(Optional.of(first))
                        && sharesOf(back, "dave") > before, "the proxy returns to pool 1: new shares in its ledger");
                assertTrue(m.snapshot().accepted() > 0);
            } finally {
                open.forEach(PoolHarness::close);
            }
        }
    }
}
