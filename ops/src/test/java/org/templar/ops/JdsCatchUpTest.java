package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.node.NodeClient;
import org.templar.pool.node.NodeEndpoint;
import org.templar.pool.sv2.jds.JdClient;
import org.templar.pool.sv2.jds.JdClientSession.DeclareOutcome;
import org.templar.regtest.RegtestNode;
import org.templar.regtest.RegtestWallet;

/**
 * The miner's node often learns of a block a moment before the pool's node: most often the block this
 * miner just found through the pool. A template declared on it is one block ahead of the pool's; the JDS
 * waits a little for its node to catch up instead of refusing (which sent `templar proxy` solo in
 * ProxyWithJdsEndToEndTest now and then), and refuses with a reason when the node never does.
 */
@Timeout(180)
class JdsCatchUpTest {
    private EventLoopGroup group;

    @BeforeEach
    void group() {
        group = new NioEventLoopGroup(1);
    }

    @AfterEach
    void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static NodeClient client(RegtestNode n) {
        return new NodeClient(new NodeEndpoint(n.rpcUri(), n.rpcUser(), n.rpcPassword(), Optional.empty()),
                Duration.ofSeconds(10));
    }

    @Test
    void aDeclarationOneBlockAheadWaitsForThePoolsNode(@TempDir Path dir) throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        try (RegtestNode minerNode = RegtestNode.start(RegtestNode.Config.ephemeral());
                PoolHarness pool = JdsEndToEndTest.startPool(dir, Map.of())) {
            NodeClient miner = client(minerNode);
            minerNode.generateToAddress(3, wallet.address());
            for (int h = 1; h <= 3; h++) {
                String hash = miner.rpc().call("getblockhash", h).get(10, TimeUnit.SECONDS).asText();
                pool.rpc("submitblock", miner.rpc().call("getblock", hash, 0).get(10, TimeUnit.SECONDS).asText());
            }
            PoolHarness.await(Duration.ofSeconds(30), () -> JdsEndToEndTest.template(pool).height() == 4,
                    "the pool's template on the shared chain");

            try (JdClient jdc = JdClient.connect(group, pool.pool().jdsAddress(),
                    pool.pool().authority().orElseThrow().publicKey(), true).get(20, TimeUnit.SECONDS);
                    JdsEndToEndTest.Miner m = JdsEndToEndTest.miner(pool, "alice.rig1")) {
                int exSize = m.extranonceSize();
                List<DeclaredTemplate.Out> allToPool = List.of(
                        new DeclaredTemplate.Out(JdsEndToEndTest.SUBSIDY, JdsEndToEndTest.OPERATOR_SCRIPT));

                // The miner's node gets block 4 first; its template is for block 5.
                minerNode.generateToAddress(1, wallet.address());
                String block4 = minerNode.chain().tipHash().toString();
                BlockTemplate ahead = miner.getBlockTemplate().get(10, TimeUnit.SECONDS);
                assertEquals(5, ahead.height());
                CompletableFuture<DeclareOutcome> waiting = CompletableFuture.supplyAsync(() -> {
                    try {
                        return JdsEndToEndTest.declare(jdc, JdsEndToEndTest.token(jdc, "alice.rig1"),
                                DeclaredTemplate.of(ahead, List.of(), allToPool, exSize));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(300); // the declaration reaches the JDS while its node is a block behind
                assertTrue(!waiting.isDone(), "not refused at once: " + (waiting.isDone() ? waiting.join() : ""));
                pool.rpc("submitblock", miner.rpc().call("getblock", block4, 0).get(10, TimeUnit.SECONDS).asText());
                assertInstanceOf(DeclareOutcome.Accepted.class, waiting.get(30, TimeUnit.SECONDS),
                        "accepted once the pool's node has the block");

                // Two blocks ahead is no race: refused at once. One ahead for good: refused after the wait.
                minerNode.generateToAddress(2, wallet.address());
                BlockTemplate farAhead = miner.getBlockTemplate().get(10, TimeUnit.SECONDS);
                DeclareOutcome.Refused far = assertInstanceOf(DeclareOutcome.Refused.class, JdsEndToEndTest.declare(jdc,
                        JdsEndToEndTest.token(jdc, "alice.rig1"), DeclaredTemplate.of(farAhead, List.of(), allToPool, exSize)));
                assertTrue(far.details().contains("BIP34 height 5"), far.details());
                String block5 = miner.rpc().call("getblockhash", 5).get(10, TimeUnit.SECONDS).asText();
                pool.rpc("submitblock", miner.rpc().call("getblock", block5, 0).get(10, TimeUnit.SECONDS).asText());
                PoolHarness.await(Duration.ofSeconds(30), () -> JdsEndToEndTest.template(pool).height() == 6,
                        "the pool's template on block 5");
                DeclareOutcome.Refused stuck = assertInstanceOf(DeclareOutcome.Refused.class, JdsEndToEndTest.declare(jdc,
                        JdsEndToEndTest.token(jdc, "alice.rig1"), DeclaredTemplate.of(farAhead, List.of(), allToPool, exSize)));
                assertEquals("invalid-job-param-value-coinbase_tx_prefix", stuck.errorCode());
                assertTrue(stuck.details().contains("did not reach that height"), stuck.details());
            }
        }
    }
}
