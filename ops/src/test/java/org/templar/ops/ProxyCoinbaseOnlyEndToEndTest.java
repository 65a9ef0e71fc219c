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
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
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
 * `templar proxy --coinbase-only` against `templar run`'s JDS over loopback, with two embedded nodes on
 * one chain (the miner's and the pool's). Under a pool policy that allows Coinbase-only mode, `templar
 * mine` (SV1) behind the proxy finds a block holding a transaction the pool never sees, the pool credits
 * the shares as Coinbase-only work and records the block, and both nodes take the block (the pool's
 * through the test standing in for the peer-to-peer network: in this mode only the miner can build
 * it). Under the default policy the pool refuses the mode with the spec's error, the proxy shows the
 * refusal and its miners keep hashing solo.
 */
@Timeout(240)
class ProxyCoinbaseOnlyEndToEndTest {
    private static JsonNode rpc(RegtestNode n, String method, Object... params) throws Exception {
        return new RpcClient(new NodeEndpoint(n.rpcUri(), n.rpcUser(), n.rpcPassword(), Optional.empty()),
                Duration.ofSeconds(10)).call(method, params).get(20, TimeUnit.SECONDS);
    }

    /** The miner's node with 101 blocks, the same 101 given to the pool's node. */
    private static void sameChain(RegtestNode minerNode, PoolHarness pool, RegtestWallet wallet) throws Exception {
        minerNode.generateToAddress(101, wallet.address());
        for (int h = 1; h <= 101; h++) {
            String hash = rpc(minerNode, "getblockhash", h).asText();
            pool.rpc("submitblock", rpc(minerNode, "getblock", hash, 0).asText());
        }
        assertEquals(rpc(minerNode, "getbestblockhash").asText(), pool.rpc("getbestblockhash").asText());
    }

    private static ProxyConfig proxyConfig(RegtestNode minerNode, PoolHarness pool, String solo, Path dir) {
        return ProxyConfig.of(new NodeEndpoint(minerNode.rpcUri(), minerNode.rpcUser(), minerNode.rpcPassword(),
                Optional.ofNullable(minerNode.zmqEndpoint())), BitcoinNetwork.REGTEST, solo,
                new InetSocketAddress("127.0.0.1", 0), dir)
                .withPool(new PoolUpstream.Config(pool.pool().jdsAddress(), pool.pool().sv2Address(),
                        pool.pool().authority().orElseThrow().publicKey(), "dave.proxy", Duration.ofSeconds(3),
                        Duration.ofSeconds(1)).withCoinbaseOnly(true));
    }

    @Test
    void coinbaseOnlyUnderAPermissivePolicyFromTheMinersBlockToThePoolsCredit(@TempDir Path dir) throws Exception {
        String solo = SoloAndPoolMiningTest.newAddress();
        RegtestWallet wallet = RegtestWallet.random();
        try (RegtestNode minerNode = RegtestNode.start(RegtestNode.Config.ephemeral());
                PoolHarness pool = JdsEndToEndTest.startPool(dir.resolve("pool"), Map.of(
                        "jds.coinbase_only_min_share", "0.95", "jds.coinbase_only_fee_ceiling_sats", "1000000"))) {
            sameChain(minerNode, pool, wallet);
            String txid = rpc(minerNode, "sendrawtransaction",
                    wallet.payFromMatureCoinbase(minerNode.chain(), SoloAndPoolMiningTest.newAddress(), 100_000_000L, 20_000))
                    .asText();
            assertEquals(0, pool.rpc("getrawmempool").size(), "the pool's node lacks the transaction");

            // The network between the two nodes: in Coinbase-only mode only the miner can build its blocks, so
            // the pool's node learns them from peers. The test relays every new block of the miner's node.
            java.util.concurrent.ScheduledExecutorService network = java.util.concurrent.Executors
                    .newSingleThreadScheduledExecutor();
            network.scheduleWithFixedDelay(() -> relayNewBlocks(minerNode, pool), 50, 50, TimeUnit.MILLISECONDS);
            try (TemplarProxy proxy = TemplarProxy.start(proxyConfig(minerNode, pool, solo, dir.resolve("proxy")))) {
                // a block found on a solo job before the proxy is on the pool would not be the pool's
                PoolHarness.await(Duration.ofSeconds(30), () -> proxy.mode() == PoolUpstream.Mode.POOL,
                        "the proxy mines for the pool");
                assertEquals("Coinbase-only", proxy.activePool().orElseThrow().mode());
                try (CpuMiner m = CpuMiner.start(MinerConfig.of("stratum+tcp://127.0.0.1:" + proxy.sv1Address().getPort(),
                        "s19").withThreads(1).withMaxReconnects(3))) {
                    PoolHarness.await(Duration.ofSeconds(90), () -> {
                        try {
                            return rpc(minerNode, "getrawtransaction", txid, true).hasNonNull("blockhash");
                        } catch (Exception e) {
                            return false;
                        }
                    }, "a block with the miner's transaction on the miner's node");
                    String blockHash = rpc(minerNode, "getrawtransaction", txid, true).get("blockhash").asText();
                    JsonNode coinbase = rpc(minerNode, "getblock", blockHash, 2).get("tx").get(0);
                    assertEquals(JdsEndToEndTest.OPERATOR,
                            coinbase.get("vout").get(0).path("scriptPubKey").path("address").asText(),
                            "a pool job: the pool's payout output is paid");
                    PoolHarness.await(Duration.ofSeconds(30), () -> {
                        try {
                            return pool.rpc("getblockheader", blockHash).path("confirmations").asLong(-1) >= 0;
                        } catch (Exception e) {
                            return false;
                        }
                    }, "the pool's node takes the block from the network");
                    PoolHarness.await(Duration.ofSeconds(30), () -> !pool.pool().ledger().sharesFor("dave", 50).isEmpty(),
                            "the pool credits the miner's shares");
                    ShareRecord share = pool.pool().ledger().sharesFor("dave", 50).get(0);
                    assertEquals(ShareRecord.SOURCE_JD_COINBASE, share.templateSource());
                    assertEquals(1.0, share.revenueWeight(), 1e-9, "the pool output has the whole coinbase value");
                    // The solving share reached the pool, which records the block but could not build it
                    PoolHarness.await(Duration.ofSeconds(30), () -> pool.pool().ledger().blockByHash(blockHash).isPresent(),
                            "the pool records the block found on the miner's Coinbase-only job");
                    // More blocks of the miner's own follow at regtest difficulty; each time the proxy's job on the
                    // new tip reaches the pool before the block does, is refused (prev_hash) and sent again.
                    int height = rpc(minerNode, "getblockcount").asInt();
                    PoolHarness.await(Duration.ofSeconds(60), () -> {
                        try {
                            return rpc(minerNode, "getblockcount").asInt() >= height + 2;
                        } catch (Exception e) {
                            return false;
                        }
                    }, "two more blocks");
                    Thread.sleep(4_000); // longer than the pool timeout (3 s): the window a give-up would fall in
                    assertEquals(Optional.empty(), proxy.poolStatus().get(0).lastFailure(),
                            "each job on a new tip of the miner's was taken once the pool's node had the block");
                    assertEquals(PoolUpstream.Mode.POOL, proxy.mode());
                }
            } finally {
                network.shutdownNow();
            }
        }
    }

    /** Gives the pool's node every block the miner's node has above the pool's tip, in order. */
    private static void relayNewBlocks(RegtestNode minerNode, PoolHarness pool) {
        try {
            int top = rpc(minerNode, "getblockcount").asInt();
            for (int h = pool.rpc("getblockcount").asInt() + 1; h <= top; h++) {
                pool.rpc("submitblock", rpc(minerNode, "getblock", rpc(minerNode, "getblockhash", h).asText(), 0).asText());
            }
        } catch (Exception e) {
            // a node busy or closing: the next round tries again
        }
    }

    @Test
    void refusedUnderTheDefaultPolicyAndTheMinersKeepHashingSolo(@TempDir Path dir) throws Exception {
        String solo = SoloAndPoolMiningTest.newAddress();
        RegtestWallet wallet = RegtestWallet.random();
        try (RegtestNode minerNode = RegtestNode.start(RegtestNode.Config.ephemeral());
                PoolHarness pool = JdsEndToEndTest.startPool(dir.resolve("pool"), Map.of())) {
            sameChain(minerNode, pool, wallet);
            try (TemplarProxy proxy = TemplarProxy.start(proxyConfig(minerNode, pool, solo, dir.resolve("proxy")))) {
                PoolHarness.await(Duration.ofSeconds(30), () -> proxy.poolStatus().get(0).lastFailure().isPresent(),
                        "the proxy shows why the pool is not used");
                String reason = proxy.poolStatus().get(0).lastFailure().orElseThrow();
                assertTrue(reason.contains("refuses Coinbase-only mode") && reason.contains("unsupported-feature-flags")
                        && reason.contains("DECLARE_TX_DATA"), reason);
                assertEquals(PoolUpstream.Mode.SOLO, proxy.mode());
                try (CpuMiner m = CpuMiner.start(MinerConfig.of("stratum+tcp://127.0.0.1:" + proxy.sv1Address().getPort(),
                        "s19").withThreads(1).withMaxReconnects(3))) {
                    PoolHarness.await(Duration.ofSeconds(60), () -> m.snapshot().accepted() >= 3,
                            "the miner's shares are accepted by the proxy");
                    PoolHarness.await(Duration.ofSeconds(60), () -> {
                        try {
                            return rpc(minerNode, "getblockcount").asInt() > 101;
                        } catch (Exception e) {
                            return false;
                        }
                    }, "a block on the miner's node");
                    JsonNode block = rpc(minerNode, "getblock", rpc(minerNode, "getblockhash", 102).asText(), 2);
                    assertEquals(solo, block.get("tx").get(0).get("vout").get(0).path("scriptPubKey").path("address").asText(),
                            "a solo block: it pays the miner's address");
                    // retried on its back-off, the pool keeps refusing; the proxy never declares Full-Template
                    assertEquals(PoolUpstream.Mode.SOLO, proxy.mode());
                    assertTrue(pool.pool().ledger().sharesFor("dave", 10).isEmpty(), "the pool credited nothing");
                    assertTrue(pool.pool().jobDeclarations().orElseThrow().tokens().size() == 0,
                            "no job token was allocated to the refused connection");
                }
            }
        }
    }
}
