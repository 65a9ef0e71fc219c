package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.crypto.ECKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockStatus;
import org.templar.payout.ShareRecord;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerConfig;
import org.templar.regtest.RegtestWallet;

/**
 * The whole path a newcomer sees: `templar run` on the embedded node, `templar mine` against it, blocks
 * accepted by the node whose coinbases pay the right script the right amount, shares in the ledger.
 */
@Timeout(180)
class SoloAndPoolMiningTest {
    static String newAddress() {
        return new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString();
    }

    static MinerConfig miner(PoolHarness pool, String user) {
        return MinerConfig.of(pool.url(), user).withThreads(1).withMaxReconnects(3).withStatsInterval(Duration.ofSeconds(5));
    }

    /** Checks every accepted block: its coinbase pays {@code address} exactly subsidy + fees. */
    static int checkCoinbases(PoolHarness pool, String address) throws Exception {
        int checked = 0;
        for (BlockRecord b : pool.pool().ledger().recentBlocks(50)) {
            if (b.status() != BlockStatus.ACCEPTED) {
                continue;
            }
            JsonNode block = pool.rpc("getblock", b.hash(), 2);
            assertEquals(b.height(), block.get("height").asLong());
            JsonNode coinbase = block.get("tx").get(0);
            long paid = 0;
            long toAddress = 0;
            for (JsonNode out : coinbase.get("vout")) {
                long sats = Math.round(out.get("value").asDouble() * 1e8);
                paid += sats;
                if (address.equals(out.path("scriptPubKey").path("address").asText())) {
                    toAddress += sats;
                }
            }
            long fees = 0;
            for (int i = 1; i < block.get("tx").size(); i++) {
                fees += Math.round(block.get("tx").get(i).path("fee").asDouble() * 1e8);
            }
            long subsidy = 5_000_000_000L >> (b.height() / 150);
            assertEquals(subsidy + fees, toAddress, "block " + b.height() + " pays subsidy + fees to " + address);
            assertEquals(toAddress, paid, "nothing else is paid");
            assertEquals(subsidy + fees, b.rewardSats());
            checked++;
        }
        return checked;
    }

    @Test
    void soloMinerFindsBlocksThatPayItsAddress(@TempDir Path dir) throws Exception {
        String address = newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of());
                CpuMiner m = CpuMiner.start(miner(pool, address + ".rig1"))) {
            assertTrue(m.awaitBlocks(3, Duration.ofSeconds(90)), "3 blocks within 90 s: " + m.snapshot());
            PoolHarness.await(Duration.ofSeconds(20), () -> pool.pool().ledger().recentBlocks(10).stream()
                    .filter(b -> b.status() == BlockStatus.ACCEPTED).count() >= 3, "3 accepted blocks in the ledger");
            assertTrue(pool.height() >= 3);
            assertTrue(checkCoinbases(pool, address) >= 3);
            List<ShareRecord> shares = pool.pool().ledger().sharesFor(address, 100);
            assertFalse(shares.isEmpty(), "accepted shares are in the ledger");
            assertEquals("rig1", shares.get(0).workerName());
            assertEquals(ShareRecord.SOLO, shares.get(0).payoutMode());
        }
    }

    /** Solo mining pays any address type of the network: the coinbase output is that address's script. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr"})
    void soloPaysEveryAddressType(String type, @TempDir Path dir) throws Exception {
        ECKey key = new ECKey();
        String address = switch (type) {
            case "p2pkh" -> key.toAddress(ScriptType.P2PKH, BitcoinNetwork.REGTEST).toString();
            case "p2sh" -> org.bitcoinj.base.LegacyAddress.fromScriptHash(BitcoinNetwork.REGTEST, new byte[20]).toString();
            case "p2wpkh" -> key.toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString();
            case "p2wsh" -> org.bitcoinj.base.SegwitAddress.fromProgram(BitcoinNetwork.REGTEST, 0, new byte[32]).toString();
            default -> org.bitcoinj.base.SegwitAddress.fromProgram(BitcoinNetwork.REGTEST, 1, key.getPubKeyPoint()
                    .getAffineXCoord().getEncoded()).toString();
        };
        try (PoolHarness pool = PoolHarness.start(dir, Map.of());
                CpuMiner m = CpuMiner.start(miner(pool, address + ".x"))) {
            assertTrue(m.awaitBlocks(1, Duration.ofSeconds(60)), type + ": " + m.snapshot());
            PoolHarness.await(Duration.ofSeconds(20), () -> pool.pool().ledger().recentBlocks(10).stream()
                    .anyMatch(b -> b.status() == BlockStatus.ACCEPTED), "an accepted block");
            org.templar.payout.BlockRecord b = pool.pool().ledger().recentBlocks(10).stream()
                    .filter(r -> r.status() == BlockStatus.ACCEPTED).findFirst().orElseThrow();
            JsonNode out = pool.rpc("getblock", b.hash(), 2).get("tx").get(0).get("vout").get(0);
            String expectedScript = org.templar.share.Hex.encode(org.templar.pool.core.Authorizer
                    .planFor(BitcoinNetwork.REGTEST, address).script());
            assertEquals(expectedScript, out.get("scriptPubKey").get("hex").asText(), type);
            assertEquals(5_000_000_000L >> (b.height() / 150), Math.round(out.get("value").asDouble() * 1e8));
        }
    }

    @Test
    void poolModePaysTheOperatorAndCreditsTheAccount(@TempDir Path dir) throws Exception {
        String operator = newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("pool.payout_address", operator));
                CpuMiner m = CpuMiner.start(miner(pool, "alice.rig7"))) {
            assertTrue(m.awaitBlocks(2, Duration.ofSeconds(90)), "2 blocks: " + m.snapshot());
            PoolHarness.await(Duration.ofSeconds(20), () -> pool.pool().ledger().recentBlocks(10).stream()
                    .filter(b -> b.status() == BlockStatus.ACCEPTED).count() >= 2, "accepted blocks in the ledger");
            assertTrue(checkCoinbases(pool, operator) >= 2);
            List<ShareRecord> shares = pool.pool().ledger().sharesFor("alice", 100);
            assertFalse(shares.isEmpty());
            assertEquals(ShareRecord.POOL, shares.get(0).payoutMode());
            assertEquals("alice.rig7", shares.get(0).worker());
        }
    }

    @Test
    void templateWithMempoolTransactionsIsMinedIntoAValidBlock(@TempDir Path dir) throws Exception {
        String minerAddress = newAddress();
        RegtestWallet wallet = RegtestWallet.random();
        try (PoolHarness pool = PoolHarness.start(dir, Map.of())) {
            var node = pool.pool().embeddedNode().orElseThrow();
            node.generateToAddress(101, wallet.address()); // the first coinbase matures
            String recipient = newAddress();
            long fee = 12_345;
            String raw = wallet.payFromMatureCoinbase(node.chain(), recipient, 1_000_000_000L, fee);
            String txid = pool.rpc("sendrawtransaction", raw).asText();
            PoolHarness.await(Duration.ofSeconds(40), () -> {
                var t = pool.pool().templates().current();
                if (t != null && t.blockTemplate().transactions().isEmpty()) {
                    pool.pool().templates().refresh(); // the 30 s fee refresh, sooner
                }
                return t != null && t.blockTemplate().transactions().size() == 1;
            }, "the transaction reaches the pool's template");
            try (CpuMiner m = CpuMiner.start(miner(pool, minerAddress))) {
                PoolHarness.await(Duration.ofSeconds(90), () -> {
                    try {
                        return pool.rpc("getrawmempool").size() == 0;
                    } catch (Exception e) {
                        return false;
                    }
                }, "the transaction is mined");
            }
            JsonNode tx = pool.rpc("getrawtransaction", txid, true);
            String blockHash = tx.path("blockhash").asText();
            JsonNode block = pool.rpc("getblock", blockHash, 2);
            assertEquals(2, block.get("tx").size());
            assertEquals(txid, block.get("tx").get(1).get("txid").asText());
            long subsidy = 5_000_000_000L >> (block.get("height").asInt() / 150);
            long paid = Math.round(block.get("tx").get(0).get("vout").get(0).get("value").asDouble() * 1e8);
            assertEquals(subsidy + fee, paid, "coinbase claims subsidy + the transaction's fee");
        }
    }
}
