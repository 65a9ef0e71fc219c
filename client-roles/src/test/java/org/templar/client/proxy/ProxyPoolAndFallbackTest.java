package org.templar.client.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.pool.core.Authorizer;
import org.templar.regtest.RegtestNode;

/**
 * The proxy mining for a pool on the miner's own templates (a scripted JDS and mining endpoint over Noise
 * on loopback), then the pool disappears: the miners are on solo work within 5 s and find a block paying
 * the solo address; the pool comes back and the proxy returns to it.
 */
@Timeout(240)
class ProxyPoolAndFallbackTest {
    /** Highest height whose coinbase pays {@code script} first, above {@code from}, or -1. */
    private static int blockPaying(RegtestNode node, byte[] script, int from) {
        for (int h = node.chain().height(); h > from; h--) {
            var cb = node.chain().coinbaseAt(h);
            if (cb.isPresent() && Arrays.equals(script, cb.get().getOutput(0).getScriptBytes())) {
                return h;
            }
        }
        return -1;
    }

    @Test
    void minesForThePoolFallsBackToSoloWithinFiveSecondsAndReturns(@TempDir Path dir) throws Exception {
        String solo = ProxySoloTest.newAddress();
        byte[] soloScript = Authorizer.planFor(BitcoinNetwork.REGTEST, solo).script();
        byte[] poolScript = Authorizer.planFor(BitcoinNetwork.REGTEST, ProxySoloTest.newAddress()).script();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral());
                ScriptedJdPool pool = new ScriptedJdPool(poolScript)) {
            PoolUpstream.Config upstream = new PoolUpstream.Config(pool.jds(), pool.mining(), pool.authority.publicKey(),
                    "miner1", Duration.ofSeconds(2), Duration.ofSeconds(1));
            try (TemplarProxy proxy = TemplarProxy.start(ProxySoloTest.config(node, solo, dir).withPool(upstream));
                    CpuMiner m = CpuMiner.start(ProxySoloTest.miner(proxy, "rig1"))) {
                ProxySoloTest.await(Duration.ofSeconds(20), () -> proxy.mode() == PoolUpstream.Mode.POOL,
                        "the proxy mines for the pool");
                ProxySoloTest.await(Duration.ofSeconds(60), () -> pool.validShares.get() >= 3 && pool.declarations.get() >= 1
                        && blockPaying(node, poolScript, 0) > 0 && !pool.solutions.isEmpty(),
                        "declared jobs, valid shares at the pool, a block paying the pool output, PushSolution");
                assertEquals(java.util.List.of(), pool.problems);

                long stop = System.nanoTime();
                pool.stop();
                ProxySoloTest.await(Duration.ofSeconds(5), () -> proxy.mode() == PoolUpstream.Mode.SOLO,
                        "the proxy gives the pool up");
                int switchedAt = node.chain().height();
                long accepted = m.snapshot().accepted();
                ProxySoloTest.await(Duration.ofSeconds(5) .minusNanos(System.nanoTime() - stop),
                        () -> proxy.currentTemplate() != null && proxy.currentTemplate().coinbaseMaker() == null,
                        "solo work is published within 5 s of the pool going away");
                ProxySoloTest.await(Duration.ofSeconds(60), () -> blockPaying(node, soloScript, switchedAt) > 0,
                        "the miners find a block paying the solo address");
                // the block reaches the node before its share's answer reaches the miner (the answer waits
                // for the ledger's commit), so the miner's count may lag the block by a moment
                ProxySoloTest.await(Duration.ofSeconds(10), () -> m.snapshot().accepted() > accepted,
                        "the miners kept hashing: shares accepted on the solo work");

                pool.start();
                int before = pool.validShares.get();
                ProxySoloTest.await(Duration.ofSeconds(30), () -> proxy.mode() == PoolUpstream.Mode.POOL,
                        "the proxy returns to the pool");
                int back = node.chain().height();
                ProxySoloTest.await(Duration.ofSeconds(60), () -> pool.validShares.get() > before
                        && blockPaying(node, poolScript, back) > 0, "shares and blocks for the pool again");
                assertEquals(java.util.List.of(), pool.problems);
            }
        }
    }

    /** Refused declarations, then silence: each time the miners are on solo work within 5 s. */
    @Test
    void aRefusedOrUnansweredDeclarationSendsTheMinersSoloWithinFiveSeconds(@TempDir Path dir) throws Exception {
        String solo = ProxySoloTest.newAddress();
        byte[] soloScript = Authorizer.planFor(BitcoinNetwork.REGTEST, solo).script();
        byte[] poolScript = Authorizer.planFor(BitcoinNetwork.REGTEST, ProxySoloTest.newAddress()).script();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral());
                ScriptedJdPool pool = new ScriptedJdPool(poolScript)) {
            PoolUpstream.Config upstream = new PoolUpstream.Config(pool.jds(), pool.mining(), pool.authority.publicKey(),
                    "miner1", Duration.ofSeconds(2), Duration.ofSeconds(1));
            try (TemplarProxy proxy = TemplarProxy.start(ProxySoloTest.config(node, solo, dir).withPool(upstream));
                    CpuMiner m = CpuMiner.start(ProxySoloTest.miner(proxy, "rig1"))) {
                ProxySoloTest.await(Duration.ofSeconds(20), () -> proxy.mode() == PoolUpstream.Mode.POOL
                        && pool.validShares.get() > 0, "the proxy mines for the pool");

                pool.refuseDeclarations = "invalid-mining-job-token";
                long t0 = System.nanoTime();
                proxy.templates().refresh(); // a new template is declared (blocks also do this)
                ProxySoloTest.await(Duration.ofSeconds(5), () -> proxy.mode() == PoolUpstream.Mode.SOLO,
                        "a refused declaration sends the miners solo");
                assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
                assertTrue(pool.refused.get() > 0);
                int soloFrom = node.chain().height();
                ProxySoloTest.await(Duration.ofSeconds(60), () -> blockPaying(node, soloScript, soloFrom) > 0,
                        "a block paying the solo address");

                pool.refuseDeclarations = null;
                pool.silentOnDeclarations = true;
                ProxySoloTest.await(Duration.ofSeconds(30), () -> proxy.mode() == PoolUpstream.Mode.POOL,
                        "the proxy tries the pool again");
                long t1 = System.nanoTime();
                ProxySoloTest.await(Duration.ofSeconds(5), () -> proxy.mode() == PoolUpstream.Mode.SOLO,
                        "an unanswered declaration sends the miners solo");
                assertTrue(System.nanoTime() - t1 < 5_000_000_000L);
                assertEquals(java.util.List.of(), pool.problems);
                assertTrue(m.snapshot().accepted() > 0);
            }
        }
    }
}
