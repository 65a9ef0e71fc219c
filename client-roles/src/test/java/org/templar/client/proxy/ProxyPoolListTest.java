package org.templar.client.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.pool.core.Authorizer;
import org.templar.regtest.RegtestNode;

/**
 * The proxy with two pools in priority order (scripted JDS and mining endpoints over Noise on loopback):
 * it mines for the first; the first goes away and the miners' shares reach the second within 5 s; the
 * first comes back and the proxy returns to it; both go away and the miners are on solo work within
 * 5 s and find a block paying the solo address; the first comes back once more and is mined again.
 */
@Timeout(120)
class ProxyPoolListTest {
    private static PoolUpstream.Config upstream(ScriptedJdPool pool) {
        return new PoolUpstream.Config(pool.jds(), pool.mining(), pool.authority.publicKey(), "miner1",
                Duration.ofSeconds(2), Duration.ofSeconds(1));
    }

    private static Optional<PoolUpstream.Config> on(ScriptedJdPool pool) {
        return Optional.of(upstream(pool));
    }

    private static int blockPaying(RegtestNode node, byte[] script, int from) {
        for (int h = node.chain().height(); h > from; h--) {
            var cb = node.chain().coinbaseAt(h);
            if (cb.isPresent() && java.util.Arrays.equals(script, cb.get().getOutput(0).getScriptBytes())) {
                return h;
            }
        }
        return -1;
    }

    @Test
    void minesForTheFirstPoolThatWorksThenSoloAndReturnsToTheFirst(@TempDir Path dir) throws Exception {
        String solo = ProxySoloTest.newAddress();
        byte[] soloScript = Authorizer.planFor(BitcoinNetwork.REGTEST, solo).script();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral());
                ScriptedJdPool pool1 = new ScriptedJdPool(Authorizer.planFor(BitcoinNetwork.REGTEST,
                        ProxySoloTest.newAddress()).script());
                ScriptedJdPool pool2 = new ScriptedJdPool(Authorizer.planFor(BitcoinNetwork.REGTEST,
                        ProxySoloTest.newAddress()).script())) {
            ProxyConfig config = ProxySoloTest.config(node, solo, dir).withPools(List.of(upstream(pool1), upstream(pool2)));
            try (TemplarProxy proxy = TemplarProxy.start(config);
                    CpuMiner m = CpuMiner.start(ProxySoloTest.miner(proxy, "rig1"))) {
                ProxySoloTest.await(Duration.ofSeconds(20), () -> on(pool1).equals(proxy.activePool())
                        && pool1.validShares.get() > 0, "shares for pool 1");
                assertEquals(0, pool2.tokens.get(), "pool 2 is not connected while pool 1 works");

                long stop = System.nanoTime();
                pool1.stop();
                ProxySoloTest.await(Duration.ofSeconds(5), () -> pool2.validShares.get() > 0,
                        "shares accepted by pool 2 within 5 s of pool 1 going away");
                assertEquals(on(pool2), proxy.activePool());
                System.out.printf("pool 1 gone -> first share valid at pool 2 after %d ms%n",
                        (System.nanoTime() - stop) / 1_000_000);

                int pool1Before = pool1.validShares.get();
                pool1.start();
                ProxySoloTest.await(Duration.ofSeconds(20), () -> on(pool1).equals(proxy.activePool())
                        && pool1.validShares.get() > pool1Before, "the proxy returns to pool 1 while pool 2 still works");

                stop = System.nanoTime();
                pool1.stop();
                pool2.stop();
                ProxySoloTest.await(Duration.ofSeconds(5), () -> proxy.mode() == PoolUpstream.Mode.SOLO
                        && proxy.currentTemplate().coinbaseMaker() == null, "solo work within 5 s of both pools going away");
                System.out.printf("both pools gone -> solo work after %d ms%n", (System.nanoTime() - stop) / 1_000_000);
                int soloFrom = node.chain().height();
                long accepted = m.snapshot().accepted();
                ProxySoloTest.await(Duration.ofSeconds(30), () -> blockPaying(node, soloScript, soloFrom) > 0,
                        "a block paying the solo address");
                ProxySoloTest.await(Duration.ofSeconds(10), () -> m.snapshot().accepted() > accepted,
                        "shares accepted on solo work too");

                int again = pool1.validShares.get();
                pool1.start();
                ProxySoloTest.await(Duration.ofSeconds(20), () -> on(pool1).equals(proxy.activePool())
                        && pool1.validShares.get() > again, "pool 1 is mined again once it is back");
                assertEquals(List.of(), pool1.problems);
                assertEquals(List.of(), pool2.problems);
            }
        }
    }

    /** A first pool that refuses every declaration is passed over for the second, and mined again once it accepts. */
    @Test
    void aPoolThatRefusesDeclarationsIsPassedOverForTheNext(@TempDir Path dir) throws Exception {
        String solo = ProxySoloTest.newAddress();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral());
                ScriptedJdPool pool1 = new ScriptedJdPool(Authorizer.planFor(BitcoinNetwork.REGTEST,
                        ProxySoloTest.newAddress()).script());
                ScriptedJdPool pool2 = new ScriptedJdPool(Authorizer.planFor(BitcoinNetwork.REGTEST,
                        ProxySoloTest.newAddress()).script())) {
            pool1.refuseDeclarations = "invalid-mining-job-token";
            ProxyConfig config = ProxySoloTest.config(node, solo, dir).withPools(List.of(upstream(pool1), upstream(pool2)));
            try (TemplarProxy proxy = TemplarProxy.start(config);
                    CpuMiner m = CpuMiner.start(ProxySoloTest.miner(proxy, "rig1"))) {
                ProxySoloTest.await(Duration.ofSeconds(20), () -> pool1.refused.get() > 0 && pool2.validShares.get() > 0,
                        "pool 1 refuses; the shares go to pool 2");
                assertEquals(0, pool1.validShares.get());

                pool1.refuseDeclarations = null;
                ProxySoloTest.await(Duration.ofSeconds(20), () -> on(pool1).equals(proxy.activePool())
                        && pool1.validShares.get() > 0, "pool 1, retried, accepts and is mined");
                assertEquals(List.of(), pool1.problems);
                assertEquals(List.of(), pool2.problems);
            }
        }
    }
}
