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
import org.templar.client.proxy.ProxyConfig;
import org.templar.client.proxy.TdpClient;
import org.templar.client.proxy.TemplarProxy;
import org.templar.regtest.RegtestWallet;

/**
 * `templar proxy --tdp`: the proxy has no node of its own and takes its templates from `templar run`'s
 * Template Distribution provider (embedded regtest node) over Noise on loopback. `templar mine` (SV1)
 * behind the proxy finds a block; the proxy sends it back as SubmitSolution, and the provider's node
 * takes it: one block higher, holding the mempool transaction the template carried, paying the proxy's
 * solo address the subsidy and the fee.
 */
@Timeout(180)
class ProxyWithTdpEndToEndTest {

    @Test
    void theProxyMinesSoloOnTemplatesFromTemplarsTemplateProvider(@TempDir Path dir) throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        String solo = SoloAndPoolMiningTest.newAddress();
        Map<String, String> cfg = Map.of("tdp.listen", "127.0.0.1:0", "sv2.listen", "off",
                "sv2.authority_key_file", dir.resolve("authority.key").toString());
        try (PoolHarness pool = PoolHarness.start(dir.resolve("pool"), cfg)) {
            var node = pool.pool().embeddedNode().orElseThrow();
            node.generateToAddress(101, wallet.address());
            long fee = 20_000;
            String txid = pool.rpc("sendrawtransaction",
                    wallet.payFromMatureCoinbase(node.chain(), SoloAndPoolMiningTest.newAddress(), 700_000_000L, fee))
                    .asText();
            PoolHarness.await(Duration.ofSeconds(40), () -> {
                var t = pool.pool().templates().current();
                if (t != null && t.blockTemplate().transactions().isEmpty()) {
                    pool.pool().templates().refresh();
                }
                return t != null && t.blockTemplate().transactions().size() == 1;
            }, "the transaction reaches the provider's template");
            int height = pool.height();

            ProxyConfig pc = ProxyConfig.ofTdp(new TdpClient.Config(pool.pool().tdpAddress(),
                    pool.pool().authority().orElseThrow().publicKey()), BitcoinNetwork.REGTEST, solo,
                    new InetSocketAddress("127.0.0.1", 0), dir.resolve("proxy"));
            try (TemplarProxy proxy = TemplarProxy.start(pc)) {
                assertTrue(proxy.tdp().orElseThrow().isConnected(), "the proxy is set up with the provider");
                var template = proxy.currentTemplate().blockTemplate();
                assertEquals(height + 1, template.height(), "the template is for the next block");
                assertEquals(1, template.transactions().size(), "with the mempool transaction");
                try (CpuMiner m = CpuMiner.start(MinerConfig.of("stratum+tcp://127.0.0.1:" + proxy.sv1Address().getPort(),
                        "s19").withThreads(1).withMaxReconnects(3))) {
                    PoolHarness.await(Duration.ofSeconds(90), () -> {
                        try {
                            return pool.height() > height;
                        } catch (Exception e) {
                            return false;
                        }
                    }, "the provider's node takes the proxy's block");
                }
            }
            JsonNode block = pool.rpc("getblock", pool.rpc("getblockhash", height + 1).asText(), 2);
            assertEquals(2, block.get("tx").size(), "coinbase and the mempool transaction");
            assertEquals(txid, block.get("tx").get(1).get("txid").asText(), "the template's transaction is in the block");
            JsonNode out0 = block.get("tx").get(0).get("vout").get(0);
            assertEquals(solo, out0.get("scriptPubKey").get("address").asText(), "the coinbase pays --solo-address");
            long subsidy = 5_000_000_000L >> ((height + 1) / 150);
            assertEquals(subsidy + fee, Math.round(out0.get("value").asDouble() * 1e8), "subsidy and fee");
        }
    }
}
