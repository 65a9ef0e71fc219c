package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The path every pool test relies on: coins mature, real transactions enter the mempool, a GBT-built block confirms them. */
@Timeout(60)
class RegtestMiningFlowTest {
    static RegtestNode node;
    static Rpc rpc;
    static RegtestWallet wallet = RegtestWallet.random();
    static RegtestWallet payee = RegtestWallet.random();

    @BeforeAll
    static void start() {
        node = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(0, -1));
        rpc = new Rpc(node);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void genesisIsCoresRegtestGenesis() {
        assertEquals("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206", rpc.call("getblockhash", 0).asText());
        JsonNode g = rpc.call("getblock", RegtestConsensus.GENESIS_HASH, 2);
        assertEquals("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", g.get("merkleroot").asText());
        assertEquals(1296688602L, g.get("time").asLong());
        assertEquals("207fffff", g.get("bits").asText());
        assertEquals(2, g.get("nonce").asInt());
        assertEquals(285, g.get("size").asInt());
        assertEquals("50.00000000", g.get("tx").get(0).get("vout").get(0).get("value").decimalValue().toPlainString());
    }

    @Test
    void walletTransactionsAreMinedFromATemplate() {
        List<?> hashes = node.generateToAddress(101, wallet.address());
        assertEquals(101, hashes.size());
        assertTrue(rpc.call("getblockcount").asInt() >= 101);
        // the chain can be read directly too: block 1's coinbase pays the wallet 50 BTC
        var cb1 = node.chain().coinbaseAt(1).orElseThrow();
        assertEquals(50 * RegtestConsensus.COIN, cb1.getOutput(0).getValue().value);
        assertTrue(java.util.Arrays.equals(wallet.scriptPubKey(), cb1.getOutput(0).getScriptBytes()));
        assertEquals(node.chain().tipHash().toString(), rpc.call("getbestblockhash").asText());

        String raw1 = wallet.payFromMatureCoinbase(node.chain(), payee.address(), 10 * RegtestConsensus.COIN, 5_000);
        String txid1 = rpc.call("sendrawtransaction", raw1).asText();
        assertEquals(64, txid1.length());
        // a child spending the first transaction's change: it depends on its parent in the template
        assertTrue(rpc.call("getrawmempool").toString().contains(txid1));
        JsonNode entry = rpc.call("getmempoolentry", txid1);
        assertEquals("0.00005000", entry.get("fees").get("base").decimalValue().toPlainString());
        assertTrue(entry.get("vsize").asInt() > 100 && entry.get("vsize").asInt() < 200, entry.toString());

        JsonNode decoded = rpc.call("getrawtransaction", txid1, true);
        int changeIndex = 1;
        long change = decoded.get("vout").get(changeIndex).get("value").decimalValue().movePointRight(8).longValueExact();
        String raw2 = wallet.spend(new OutPointKey(org.bitcoinj.base.Sha256Hash.wrap(txid1), changeIndex), change,
                payee.address(), RegtestConsensus.COIN, 3_000);
        String txid2 = rpc.call("sendrawtransaction", raw2).asText();
        assertEquals(txid1, rpc.call("getmempoolentry", txid2).get("depends").get(0).asText());

        JsonNode gbt = rpc.call("getblocktemplate", Map.of("rules", List.of("segwit")));
        JsonNode txs = gbt.get("transactions");
        assertEquals(2, txs.size());
        assertEquals(txid1, txs.get(0).get("txid").asText());
        assertEquals(5_000, txs.get(0).get("fee").asLong());
        assertEquals(0, txs.get(0).get("depends").size());
        assertEquals(1, txs.get(1).get("depends").get(0).asInt());
        assertEquals(3_000, txs.get(1).get("fee").asLong());
        int height = gbt.get("height").asInt();
        assertEquals(RegtestConsensus.subsidy(height) + 8_000, gbt.get("coinbasevalue").asLong());

        RawBlock block = TemplateBlocks.solve(TemplateBlocks.build(gbt, TemplateBlocks.standardCoinbase(gbt, payee.scriptPubKey())));
        assertTrue(rpc.call("getblocktemplate", Map.of("mode", "proposal", "data", TemplateBlocks.hex(block))).isNull());
        assertTrue(rpc.call("submitblock", TemplateBlocks.hex(block)).isNull());
        assertEquals(block.hash().toString(), rpc.call("getbestblockhash").asText());
        assertEquals(0, rpc.call("getrawmempool").size());
        assertEquals("duplicate", rpc.call("submitblock", TemplateBlocks.hex(block)).asText());

        JsonNode confirmed = rpc.call("getrawtransaction", txid2, true);
        assertEquals(block.hash().toString(), confirmed.get("blockhash").asText());
        assertEquals(1, confirmed.get("confirmations").asInt());
        JsonNode got = rpc.call("getblock", block.hash().toString(), 2);
        assertEquals(3, got.get("tx").size());
        assertEquals("0.00005000", got.get("tx").get(1).get("fee").decimalValue().toPlainString());
        // the coinbase pays exactly subsidy + fees to the payee
        JsonNode cbOut = got.get("tx").get(0).get("vout").get(0);
        assertEquals(payee.address(), cbOut.get("scriptPubKey").get("address").asText());
        assertEquals(RegtestConsensus.subsidy(height) + 8_000, cbOut.get("value").decimalValue().movePointRight(8).longValueExact());
        assertFalse(node.chain().mempoolEntry(org.bitcoinj.base.Sha256Hash.wrap(txid1)).isPresent());
    }
}
