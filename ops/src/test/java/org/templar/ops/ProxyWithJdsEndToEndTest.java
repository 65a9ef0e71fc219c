package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.ChannelType;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerConfig;
import org.templar.client.proxy.PoolUpstream;
import org.templar.client.proxy.ProxyConfig;
import org.templar.client.proxy.TemplarProxy;
import org.templar.payout.ShareRecord;
import org.templar.pool.node.NodeEndpoint;
import org.templar.pool.node.RpcClient;
import org.templar.regtest.RegtestNode;
import org.templar.regtest.RegtestWallet;

/**
 * Both ends of Job Declaration in Templar, over loopback: the pool (`templar run` with its JDS and the
 * embedded node as the pool's node) and `templar proxy` on the miner's own node, which holds a
 * transaction the pool's node lacks. `templar mine` behind the proxy, through its SV1 downstream and
 * through its SV2 downstream, finds a block containing that transaction; both nodes accept it; the pool
 * credits the miner's shares as miner-declared work.
 */
@Timeout(240)
class ProxyWithJdsEndToEndTest {
    private static JsonNode rpc(RegtestNode n, String method, Object... params) throws Exception {
        return new RpcClient(new NodeEndpoint(n.rpcUri(), n.rpcUser(), n.rpcPassword(), Optional.empty()),
                Duration.ofSeconds(10)).call(method, params).get(20, TimeUnit.SECONDS);
    }

    @Test
    void proxyDeclaresItsOwnTemplateWithATransactionThePoolLacksAndBothNodesTakeTheBlock(@TempDir Path dir)
            throws Exception {
        declaredBlockBehindTheProxy(dir, proxy -> MinerConfig.of("stratum+tcp://127.0.0.1:" + proxy.sv1Address().getPort(),
                "s19"));
    }

    @Test
    void theSameThroughTheProxysSv2Downstream(@TempDir Path dir) throws Exception {
        declaredBlockBehindTheProxy(dir, proxy -> MinerConfig.of(sv2Url(proxy), "s19"));
    }

    @Test
    void theSameOnAnSv2StandardChannel(@TempDir Path dir) throws Exception {
        // header-only mining: the proxy's whole extranonce is the channel's prefix, forwarded as such
        declaredBlockBehindTheProxy(dir, proxy -> MinerConfig.of(sv2Url(proxy), "s19").withChannelType(ChannelType.STANDARD));
    }

    /** The miner pins the proxy's own authority key, not the pool's. */
    private static String sv2Url(TemplarProxy proxy) {
        return "stratum2+tcp://127.0.0.1:" + proxy.sv2Address().orElseThrow().getPort() + "/"
                + proxy.authority().orElseThrow().toBase58();
    }

    /**
     * The whole story with `templar mine` configured by {@code miner(proxy)}: the proxy serves SV1 and
     * SV2 at once, as `templar proxy` does by default.
     */
    private static void declaredBlockBehindTheProxy(Path dir, Function<TemplarProxy, MinerConfig> miner) throws Exception {
        String solo = SoloAndPoolMiningTest.newAddress();
        RegtestWallet wallet = RegtestWallet.random();
        try (RegtestNode minerNode = RegtestNode.start(RegtestNode.Config.ephemeral());
                PoolHarness pool = JdsEndToEndTest.startPool(dir.resolve("pool"), Map.of())) {
            // the same chain on both nodes: 101 blocks made on the miner's node, given to the pool's
            minerNode.generateToAddress(101, wallet.address());
            for (int h = 1; h <= 101; h++) {
                String hash = rpc(minerNode, "getblockhash", h).asText();
                pool.rpc("submitblock", rpc(minerNode, "getblock", hash, 0).asText());
            }
            assertEquals(rpc(minerNode, "getbestblockhash").asText(), pool.rpc("getbestblockhash").asText());
            String txid = rpc(minerNode, "sendrawtransaction",
                    wallet.payFromMatureCoinbase(minerNode.chain(), SoloAndPoolMiningTest.newAddress(), 100_000_000L, 20_000))
                    .asText();
            assertEquals(0, pool.rpc("getrawmempool").size(), "the pool's node lacks the transaction");

            ProxyConfig cfg = ProxyConfig.of(new NodeEndpoint(minerNode.rpcUri(), minerNode.rpcUser(), minerNode.rpcPassword(),
                    Optional.ofNullable(minerNode.zmqEndpoint())), BitcoinNetwork.REGTEST, solo,
                    new InetSocketAddress("127.0.0.1", 0), dir.resolve("proxy"))
                    .withSv2Listen(new InetSocketAddress("127.0.0.1", 0))
                    .withPool(new PoolUpstream.Config(pool.pool().jdsAddress(), pool.pool().sv2Address(),
                            pool.pool().authority().orElseThrow().publicKey(), "dave.proxy", Duration.ofSeconds(3),
                            Duration.ofSeconds(1)));
            try (TemplarProxy proxy = TemplarProxy.start(cfg)) {
                // The miner starts once the proxy mines for the pool: a block found on a solo job before
                // that (regtest: within a few hashes) would carry the transaction without the pool.
                PoolHarness.await(Duration.ofSeconds(30), () -> proxy.mode() == PoolUpstream.Mode.POOL,
                        "the proxy mines for the pool");
                try (CpuMiner m = CpuMiner.start(miner.apply(proxy).withThreads(1).withMaxReconnects(3))) {
                    PoolHarness.await(Duration.ofSeconds(90), () -> {
                        try {
                            JsonNode tx = rpc(minerNode, "getrawtransaction", txid, true);
                            return tx.hasNonNull("blockhash");
                        } catch (Exception e) {
                            return false;
                        }
                    }, "a block with the miner's transaction");
                    String blockHash = rpc(minerNode, "getrawtransaction", txid, true).get("blockhash").asText();
                    PoolHarness.await(Duration.ofSeconds(30), () -> {
                        try {
                            return pool.rpc("getblockheader", blockHash).hasNonNull("height");
                        } catch (Exception e) {
                            return false;
                        }
                    }, "the pool's node has the block too");
                    JsonNode block = rpc(minerNode, "getblock", blockHash, 2);
                    JsonNode coinbase = block.get("tx").get(0);
                    assertEquals(JdsEndToEndTest.OPERATOR, coinbase.get("vout").get(0).path("scriptPubKey").path("address").asText(),
                            "the pool's payout output is paid");
                    PoolHarness.await(Duration.ofSeconds(30), () -> !pool.pool().ledger().sharesFor("dave", 50).isEmpty(),
                            "the pool credits the miner's shares");
                    ShareRecord share = pool.pool().ledger().sharesFor("dave", 50).get(0);
                    assertEquals(ShareRecord.SOURCE_JD_FULL, share.templateSource());
                    assertEquals(1.0, share.revenueWeight(), 1e-9, "the pool output has the whole revenue");
                    assertTrue(proxy.mode() == PoolUpstream.Mode.POOL, "still mining for the pool");
                    // SV2 acknowledges shares in batches, flushed about once a second
                    PoolHarness.await(Duration.ofSeconds(10), () -> m.snapshot().accepted() >= 1,
                            "the proxy tells the miner its shares were accepted");
                }
            }
        }
    }
}
