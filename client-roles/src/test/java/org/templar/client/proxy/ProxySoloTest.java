package org.templar.client.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.crypto.ECKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerConfig;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockStatus;
import org.templar.pool.core.Authorizer;
import org.templar.pool.job.Template;
import org.templar.pool.node.NodeEndpoint;
import org.templar.pool.node.RpcClient;
import org.templar.regtest.OutPointKey;
import org.templar.regtest.RegtestNode;
import org.templar.regtest.RegtestWallet;
import org.templar.share.Hex;

/**
 * `templar proxy` solo, end to end on loopback: the embedded regtest node (the miner's own node), the
 * proxy serving SV1 through the pool's SV1 server, and `templar mine` behind it.
 */
@Timeout(180)
class ProxySoloTest {
    static String newAddress() {
        return new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString();
    }

    static NodeEndpoint endpoint(RegtestNode node) {
        return new NodeEndpoint(node.rpcUri(), node.rpcUser(), node.rpcPassword(), Optional.ofNullable(node.zmqEndpoint()));
    }

    static ProxyConfig config(RegtestNode node, String solo, Path dir) {
        return ProxyConfig.of(endpoint(node), BitcoinNetwork.REGTEST, solo, new InetSocketAddress("127.0.0.1", 0), dir);
    }

    static MinerConfig miner(TemplarProxy proxy, String user) {
        return MinerConfig.of("stratum+tcp://127.0.0.1:" + proxy.sv1Address().getPort(), user).withThreads(1)
                .withMaxReconnects(3).withStatsInterval(Duration.ofSeconds(5));
    }

    static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting until " + what);
    }

    static JsonNode rpc(RegtestNode node, String method, Object... params) throws Exception {
        return new RpcClient(endpoint(node), Duration.ofSeconds(5)).call(method, params).get(10, TimeUnit.SECONDS);
    }

    /** Sum paid to {@code address} by the coinbase of the block at {@code height}, checking the node holds it. */
    static long paidTo(RegtestNode node, int height, String address) throws Exception {
        String hash = rpc(node, "getblockhash", height).asText();
        JsonNode coinbase = rpc(node, "getblock", hash, 2).get("tx").get(0);
        long sats = 0;
        for (JsonNode out : coinbase.get("vout")) {
            if (address.equals(out.path("scriptPubKey").path("address").asText())) {
                sats += Math.round(out.get("value").asDouble() * 1e8);
            }
        }
        return sats;
    }

    @Test
    void minersBehindTheProxyFindABlockPayingTheSoloAddress(@TempDir Path dir) throws Exception {
        String solo = newAddress();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral());
                TemplarProxy proxy = TemplarProxy.start(config(node, solo, dir));
                // an ASIC's username is whatever its owner typed: not an address
                CpuMiner m = CpuMiner.start(miner(proxy, "shed.s19"))) {
            await(Duration.ofSeconds(90), () -> node.chain().height() >= 1, "the node accepts a block from the proxy");
            await(Duration.ofSeconds(10), () -> m.snapshot().blocks() >= 1, "the proxy tells the miner its block was accepted");
            assertEquals(5_000_000_000L, paidTo(node, 1, solo), "block 1's coinbase pays the whole subsidy to the solo address");
            await(Duration.ofSeconds(10), () -> proxy.ledger().recentBlocks(10).stream()
                    .anyMatch(b -> b.status() == BlockStatus.ACCEPTED), "the proxy records the block as accepted");
            BlockRecord b = proxy.ledger().recentBlocks(10).stream().filter(r -> r.status() == BlockStatus.ACCEPTED)
                    .findFirst().orElseThrow();
            assertEquals(rpc(node, "getblockhash", b.height()).asText(), b.hash());
        }
    }

    @Test
    void theMinersPolicyShapesTheTemplateAndTheBlockTheNodeAccepts(@TempDir Path dir) throws Exception {
        String solo = newAddress();
        RegtestWallet wallet = RegtestWallet.random();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            node.generateToAddress(105, wallet.address()); // five coinbases mature
            String censoredTxid = send(node, wallet.payFromMatureCoinbase(node.chain(), newAddress(), 100_000_000L, 20_000));
            // a child of the excluded transaction: it cannot be mined without its parent
            long change = 5_000_000_000L - 100_000_000L - 20_000;
            String child = send(node, wallet.spend(new OutPointKey(org.bitcoinj.base.Sha256Hash.wrap(censoredTxid), 1),
                    change, newAddress(), 50_000_000L, 30_000));
            String blockedReceiver = newAddress();
            String toBlockedScript = send(node, wallet.payFromMatureCoinbase(node.chain(), blockedReceiver, 100_000_000L, 20_000));
            String cheap = send(node, wallet.payFromMatureCoinbase(node.chain(), newAddress(), 100_000_000L, 300)); // ~2 sat/vB
            long goodFee = 25_000;
            String good = send(node, wallet.payFromMatureCoinbase(node.chain(), newAddress(), 100_000_000L, goodFee));
            assertEquals(5, rpc(node, "getrawmempool").size());

            byte[] blockedScript = Authorizer.planFor(BitcoinNetwork.REGTEST, blockedReceiver).script();
            TxPolicy policy = new TxPolicy(Set.of(censoredTxid), Set.of(Hex.encode(blockedScript)), 5.0, 0);
            try (TemplarProxy proxy = TemplarProxy.start(config(node, solo, dir).withPolicy(policy))) {
                Template t = proxy.currentTemplate();
                assertEquals(List.of(good), txids(t), "only the transaction the policy allows is in the template");
                long subsidy = 5_000_000_000L >> (106 / 150);
                assertEquals(subsidy + goodFee, t.blockTemplate().coinbaseValue(), "the coinbase claims only kept fees");
                try (CpuMiner m = CpuMiner.start(miner(proxy, "rig"))) {
                    await(Duration.ofSeconds(90), () -> node.chain().height() >= 106, "the proxy's block is accepted");
                }
                String hash = rpc(node, "getblockhash", 106).asText();
                JsonNode block = rpc(node, "getblock", hash, 2);
                assertEquals(2, block.get("tx").size());
                assertEquals(good, block.get("tx").get(1).get("txid").asText());
                assertEquals(subsidy + goodFee, paidTo(node, 106, solo));
                List<String> left = new ArrayList<>();
                rpc(node, "getrawmempool").forEach(n -> left.add(n.asText()));
                assertEquals(Set.of(censoredTxid, child, toBlockedScript, cheap), Set.copyOf(left),
                        "what the policy left out is still in the node's mempool");
            }
        }
    }

    @Test
    void recomputedWitnessCommitmentIsTheNodesAndWeightCapDropsWhatDoesNotFit(@TempDir Path dir) throws Exception {
        RegtestWallet wallet = RegtestWallet.random();
        try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
            node.generateToAddress(103, wallet.address());
            for (int i = 0; i < 3; i++) {
                send(node, wallet.payFromMatureCoinbase(node.chain(), newAddress(), 100_000_000L, 10_000 + i));
            }
            JsonNode gbt = rpc(node, "getblocktemplate", java.util.Map.of("rules", List.of("segwit")));
            var bt = org.templar.pool.node.BlockTemplate.fromJson(gbt);
            assertEquals(3, bt.transactions().size());
            assertArrayEquals(bt.defaultWitnessCommitment().orElseThrow(), TxPolicy.witnessCommitment(bt.transactions()),
                    "the commitment rebuilt from the wtxids is the node's own");
            // the first two exactly (weights differ by a few units with the signatures' DER lengths)
            int w = bt.transactions().get(0).weight() + bt.transactions().get(1).weight();
            assertTrue(w > 0);
            var capped = new TxPolicy(Set.of(), Set.of(), 0, TxPolicy.RESERVED_WEIGHT + w).apply(bt);
            assertEquals(2, capped.transactions().size(), "two transactions fit under the cap");
            assertEquals(bt.coinbaseValue() - bt.transactions().get(2).fee(), capped.coinbaseValue());
            assertArrayEquals(TxPolicy.witnessCommitment(capped.transactions()), capped.defaultWitnessCommitment().orElseThrow());
            assertTrue(TxPolicy.none().apply(bt) == bt, "no policy: the node's template as it is");
        }
    }

    private static List<String> txids(Template t) {
        List<String> out = new ArrayList<>();
        t.blockTemplate().transactions().forEach(tx -> out.add(Hex.encode(Hex.reverse(tx.txid()))));
        return out;
    }

    private static String send(RegtestNode node, String raw) throws Exception {
        return rpc(node, "sendrawtransaction", raw).asText();
    }
}
