package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerConfig;
import org.templar.client.proxy.PoolUpstream;
import org.templar.client.proxy.ProxyConfig;
import org.templar.client.proxy.TdpClient;
import org.templar.client.proxy.TemplarProxy;
import org.templar.payout.ShareRecord;
import org.templar.regtest.RegtestWallet;

/**
 * `templar proxy --tdp ... --pool ...`: templates from `templar run`'s Template Provider, declared to
 * the pool's JDS (Full-Template) and mined on a work-selecting channel. `templar mine` behind the proxy
 * finds a block holding the mempool transaction the provider's template carried; the node takes it,
 * the pool's payout output is paid, and the pool credits the shares as miner-declared work.
 */
@Timeout(240)
class ProxyWithTdpAndJdsEndToEndTest {

    @Test
    void theProxyDeclaresTemplatesFromTheTemplateProviderToThePool(@TempDir Path dir) throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        String solo = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = JdsEndToEndTest.startPool(dir.resolve("pool"), Map.of("tdp.listen", "127.0.0.1:0"))) {
            var node = pool.pool().embeddedNode().orElseThrow();
            node.generateToAddress(101, wallet.address());
            String txid = pool.rpc("sendrawtransaction",
                    wallet.payFromMatureCoinbase(node.chain(), SoloAndPoolMiningTest.newAddress(), 100_000_000L, 20_000))
                    .asText();
            PoolHarness.await(Duration.ofSeconds(40), () -> {
                var t = pool.pool().templates().current();
                if (t != null && t.blockTemplate().transactions().isEmpty()) {
                    pool.pool().templates().refresh();
                }
                return t != null && t.blockTemplate().transactions().size() == 1;
            }, "the transaction reaches the provider's template");

            var key = pool.pool().authority().orElseThrow().publicKey();
            ProxyConfig pc = ProxyConfig.ofTdp(new TdpClient.Config(pool.pool().tdpAddress(), key), BitcoinNetwork.REGTEST,
                    solo, new InetSocketAddress("127.0.0.1", 0), dir.resolve("proxy"))
                    .withPool(new PoolUpstream.Config(pool.pool().jdsAddress(), pool.pool().sv2Address(), key, "dave.proxy",
                            Duration.ofSeconds(3), Duration.ofSeconds(1)));
            try (TemplarProxy proxy = TemplarProxy.start(pc)) {
                // The miner starts once the proxy mines for the pool: on regtest a solo job would give a
                // block (paying the solo address) within a few hashes.
                PoolHarness.await(Duration.ofSeconds(30), () -> proxy.mode() == PoolUpstream.Mode.POOL,
                        "the proxy mines for the pool");
                try (CpuMiner m = CpuMiner.start(MinerConfig.of("stratum+tcp://127.0.0.1:" + proxy.sv1Address().getPort(),
                        "s19").withThreads(1).withMaxReconnects(3))) {
                    PoolHarness.await(Duration.ofSeconds(90), () -> {
                        try {
                            return pool.rpc("getrawtransaction", txid, true).hasNonNull("blockhash");
                        } catch (Exception e) {
                            return false;
                        }
                    }, "a block with the provider's transaction");
                    PoolHarness.await(Duration.ofSeconds(30), () -> !pool.pool().ledger().sharesFor("dave", 50).isEmpty(),
                            "the pool credits the miner's shares");
                }
            }
            String blockHash = pool.rpc("getrawtransaction", txid, true).get("blockhash").asText();
            JsonNode block = pool.rpc("getblock", blockHash, 2);
            assertTrue(block.get("confirmations").asInt() >= 1, "on the active chain");
            assertEquals(JdsEndToEndTest.OPERATOR,
                    block.get("tx").get(0).get("vout").get(0).path("scriptPubKey").path("address").asText(),
                    "the pool's payout output is paid");
            ShareRecord share = pool.pool().ledger().sharesFor("dave", 50).get(0);
            assertEquals(ShareRecord.SOURCE_JD_FULL, share.templateSource());
        }
    }
}
