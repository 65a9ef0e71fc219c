package org.templar.regtest;

import org.bitcoinj.base.Sha256Hash;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.LegacyAddress;
import org.bitcoinj.crypto.ECKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/** The field sets and types of each RPC answer, compared with Core's documented shapes. */
/* Tests that mine blocks run last: the others look at the mempool transaction made in start(). */
@Timeout(60)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RpcShapesTest {
    static RegtestNode node;
    static Rpc rpc;
    static final RegtestWallet wallet = RegtestWallet.random();
    static String txid;

    @BeforeAll
    static void start() {
        node = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(0, -1));
        rpc = new Rpc(node);
        node.generateToAddress(101, wallet.address());
        txid = rpc.call("sendrawtransaction",
                wallet.payFromMatureCoinbase(node.chain(), RegtestWallet.random().address(), RegtestConsensus.COIN, 2_000)).asText();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static void hasFields(JsonNode o, String... names) {
        List<String> missing = new ArrayList<>();
        for (String n : names) {
            if (!o.has(n)) {
                missing.add(n);
            }
        }
        assertTrue(missing.isEmpty(), "missing " + missing + " in " + o);
    }

    @Test
    void chainQueries() {
        assertEquals(101, rpc.call("getblockcount").asInt());
        String best = rpc.call("getbestblockhash").asText();
        assertEquals(best, rpc.call("getblockhash", 101).asText());
        JsonNode info = rpc.call("getblockchaininfo");
        hasFields(info, "chain", "blocks", "headers", "bestblockhash", "difficulty", "time", "mediantime",
                "verificationprogress", "initialblockdownload", "chainwork", "size_on_disk", "pruned", "warnings");
        assertEquals("regtest", info.get("chain").asText());
        assertEquals(101, info.get("blocks").asInt());
        assertEquals(best, info.get("bestblockhash").asText());
        assertFalse(info.get("initialblockdownload").asBoolean());
        // 102 blocks of work 2 each
        assertEquals(String.format("%064x", 204), info.get("chainwork").asText());
        Rpc.Error range = assertThrows(Rpc.Error.class, () -> rpc.call("getblockhash", 102));
        assertEquals(-8, range.code);
    }

    @Test
    void headersAndBlocks() {
        String h1 = rpc.call("getblockhash", 1).asText();
        JsonNode hdr = rpc.call("getblockheader", h1);
        hasFields(hdr, "hash", "confirmations", "height", "version", "versionHex", "merkleroot", "time", "mediantime",
                "nonce", "bits", "difficulty", "chainwork", "nTx", "previousblockhash", "nextblockhash");
        assertEquals(101, hdr.get("confirmations").asInt());
        assertEquals("20000000", hdr.get("versionHex").asText());
        assertEquals(RegtestConsensus.GENESIS_HASH, hdr.get("previousblockhash").asText());
        String raw = rpc.call("getblockheader", h1, false).asText();
        assertEquals(160, raw.length());
        assertEquals(h1, RawBlockHash.of(raw));

        String hex = rpc.call("getblock", h1, 0).asText();
        assertTrue(hex.startsWith(raw));
        JsonNode v1 = rpc.call("getblock", h1, 1);
        hasFields(v1, "hash", "strippedsize", "size", "weight", "tx", "nTx");
        assertTrue(v1.get("tx").get(0).isTextual());
        JsonNode v2 = rpc.call("getblock", h1);
        assertEquals(v1, v2); // verbosity defaults to 1
        JsonNode v3 = rpc.call("getblock", h1, 2);
        JsonNode cb = v3.get("tx").get(0);
        hasFields(cb, "txid", "hash", "version", "size", "vsize", "weight", "locktime", "vin", "vout", "hex");
        hasFields(cb.get("vin").get(0), "coinbase", "txinwitness", "sequence");
        JsonNode out = cb.get("vout").get(0);
        assertEquals("50.00000000", out.get("value").decimalValue().toPlainString());
        assertEquals("witness_v0_keyhash", out.get("scriptPubKey").get("type").asText());
        assertEquals(wallet.address(), out.get("scriptPubKey").get("address").asText());
        assertEquals("addr(" + wallet.address() + ")#" + Descriptors.checksum("addr(" + wallet.address() + ")"),
                out.get("scriptPubKey").get("desc").asText());
        assertEquals("nulldata", cb.get("vout").get(1).get("scriptPubKey").get("type").asText());
        assertTrue(cb.get("vout").get(1).get("scriptPubKey").get("asm").asText().startsWith("OP_RETURN aa21a9ed"));
        Rpc.Error nf = assertThrows(Rpc.Error.class, () -> rpc.call("getblock", "00".repeat(32)));
        assertEquals(-5, nf.code);
        assertEquals("Block not found", nf.text());
        Rpc.Error badHex = assertThrows(Rpc.Error.class, () -> rpc.call("getblockheader", "xyz"));
        assertEquals(-8, badHex.code);
        assertEquals("blockhash must be of length 64 (not 3, for 'xyz')", badHex.text());
    }

    /** Recomputes a header's hash from its hex, independently of the node. */
    static final class RawBlockHash {
        static String of(String headerHex) {
            return Hex.encode(Hex.reverse(Sha256Hash.hashTwice(Hex.decode(headerHex))));
        }
    }

    @Test
    void mempoolViews() {
        JsonNode list = rpc.call("getrawmempool");
        assertEquals(1, list.size());
        assertEquals(txid, list.get(0).asText());
        JsonNode verbose = rpc.call("getrawmempool", true);
        JsonNode e = verbose.get(txid);
        hasFields(e, "vsize", "weight", "time", "height", "descendantcount", "descendantsize", "ancestorcount",
                "ancestorsize", "wtxid", "fees", "depends", "spentby", "bip125-replaceable", "unbroadcast");
        hasFields(e.get("fees"), "base", "modified", "ancestor", "descendant");
        assertEquals(e, rpc.call("getmempoolentry", txid));
        assertEquals(101, e.get("height").asInt());
        JsonNode tx = rpc.call("getrawtransaction", txid, true);
        assertFalse(tx.has("blockhash"));
        assertEquals(e.get("wtxid").asText(), tx.get("hash").asText());
        assertEquals(e.get("vsize").asInt(), tx.get("vsize").asInt());
        hasFields(tx.get("vin").get(0), "txid", "vout", "scriptSig", "txinwitness", "sequence");
        assertEquals(2, tx.get("vin").get(0).get("txinwitness").size());
        Rpc.Error none = assertThrows(Rpc.Error.class, () -> rpc.call("getrawtransaction", "11".repeat(32)));
        assertEquals(-5, none.code);
    }

    /** gettxout as Core answers it: the UTXO set, with mempool outputs and spends unless include_mempool=false. */
    @Test
    void txOutViews() {
        JsonNode tx = rpc.call("getrawtransaction", txid, true);
        String spentTxid = tx.get("vin").get(0).get("txid").asText();
        int spentIndex = tx.get("vin").get(0).get("vout").asInt();
        // the coin the mempool transaction spends: gone with the mempool, there without it
        assertTrue(rpc.call("gettxout", spentTxid, spentIndex).isNull());
        JsonNode onChain = rpc.call("gettxout", spentTxid, spentIndex, false);
        hasFields(onChain, "bestblock", "confirmations", "value", "scriptPubKey", "coinbase");
        hasFields(onChain.get("scriptPubKey"), "hex", "type");
        assertEquals(new java.math.BigDecimal("50.00000000"), onChain.get("value").decimalValue());
        assertTrue(onChain.get("coinbase").asBoolean());
        assertEquals(rpc.call("getbestblockhash").asText(), onChain.get("bestblock").asText());
        // an output of the mempool transaction: seen with the mempool (0 confirmations), not without
        JsonNode fresh = rpc.call("gettxout", txid, 0);
        assertEquals(0, fresh.get("confirmations").asInt());
        assertEquals(tx.get("vout").get(0).get("value").decimalValue(), fresh.get("value").decimalValue());
        assertTrue(rpc.call("gettxout", txid, 0, false).isNull());
        assertTrue(rpc.call("gettxout", txid, 99).isNull());
        assertTrue(rpc.call("gettxout", "11".repeat(32), 0).isNull());
    }

    @Test
    void miningAndNetworkInfo() {
        JsonNode m = rpc.call("getmininginfo");
        hasFields(m, "blocks", "difficulty", "networkhashps", "pooledtx", "chain", "warnings");
        assertEquals("regtest", m.get("chain").asText());
        JsonNode n = rpc.call("getnetworkinfo");
        hasFields(n, "version", "subversion", "protocolversion", "localservices", "relayfee", "warnings");
        assertTrue(n.get("version").asInt() >= 250000);
        assertTrue(rpc.call("uptime").asLong() >= 0);
        assertTrue(rpc.call("help").asText().contains("getblocktemplate"));
    }

    @Test
    void blockTemplateShape() {
        Rpc.Error noSegwit = assertThrows(Rpc.Error.class, () -> rpc.call("getblocktemplate", Map.of()));
        assertEquals(-8, noSegwit.code);
        assertEquals("getblocktemplate must be called with the segwit rule set (call with {\"rules\": [\"segwit\"]})", noSegwit.text());
        Rpc.Error badMode = assertThrows(Rpc.Error.class, () -> rpc.call("getblocktemplate", Map.of("mode", "mine")));
        assertEquals(-8, badMode.code);
        JsonNode t = rpc.call("getblocktemplate", Map.of("rules", List.of("segwit")));
        hasFields(t, "capabilities", "version", "rules", "vbavailable", "vbrequired", "previousblockhash", "transactions",
                "coinbaseaux", "coinbasevalue", "longpollid", "target", "mintime", "mutable", "noncerange", "sigoplimit",
                "sizelimit", "weightlimit", "curtime", "bits", "height", "default_witness_commitment");
        assertEquals(102, t.get("height").asInt());
        assertEquals("207fffff", t.get("bits").asText());
        assertEquals("7fffff0000000000000000000000000000000000000000000000000000000000", t.get("target").asText());
        assertEquals(rpc.call("getbestblockhash").asText(), t.get("previousblockhash").asText());
        assertTrue(t.get("rules").toString().contains("segwit"));
        assertEquals(4_000_000, t.get("weightlimit").asInt());
        assertTrue(t.get("curtime").asLong() >= t.get("mintime").asLong());
        assertTrue(t.get("default_witness_commitment").asText().startsWith("6a24aa21a9ed"));
        JsonNode tx = t.get("transactions").get(0);
        hasFields(tx, "data", "txid", "hash", "depends", "fee", "sigops", "weight");
        assertEquals(txid, tx.get("txid").asText());
        assertEquals(2_000, tx.get("fee").asLong());
        assertEquals(1, tx.get("sigops").asInt()); // one P2WPKH signature check
        assertEquals(RegtestConsensus.COIN * 50 + 2_000, t.get("coinbasevalue").asLong());
    }

    @Test
    @Order(Integer.MAX_VALUE - 1)
    void longPollReturnsWhenTheTipChanges() throws Exception {
        JsonNode t = rpc.call("getblocktemplate", Map.of("rules", List.of("segwit")));
        String lp = t.get("longpollid").asText();
        CompletableFuture<JsonNode> waiting = CompletableFuture.supplyAsync(
                () -> new Rpc(node).call("getblocktemplate", Map.of("rules", List.of("segwit"), "longpollid", lp)));
        Thread.sleep(300);
        assertFalse(waiting.isDone(), "long poll answered before anything changed");
        String mined = rpc.call("generatetoaddress", 1, wallet.address()).get(0).asText();
        JsonNode fresh = waiting.get(10, TimeUnit.SECONDS);
        assertEquals(mined, fresh.get("previousblockhash").asText());
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void addresses() {
        JsonNode ok = rpc.call("validateaddress", wallet.address());
        assertTrue(ok.get("isvalid").asBoolean());
        assertTrue(ok.get("iswitness").asBoolean());
        assertEquals(0, ok.get("witness_version").asInt());
        assertEquals(Hex.encode(wallet.scriptPubKey()), ok.get("scriptPubKey").asText());
        String legacy = LegacyAddress.fromPubKeyHash(BitcoinNetwork.REGTEST, new ECKey().getPubKeyHash()).toString();
        JsonNode l = rpc.call("validateaddress", legacy);
        assertTrue(l.get("isvalid").asBoolean(), l.toString());
        assertFalse(l.get("iswitness").asBoolean());
        JsonNode mainnet = rpc.call("validateaddress", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq");
        assertFalse(mainnet.get("isvalid").asBoolean());
        hasFields(mainnet, "error", "error_locations");
        Rpc.Error gen = assertThrows(Rpc.Error.class, () -> rpc.call("generatetoaddress", 1, "notanaddress"));
        assertEquals(-5, gen.code);
        assertEquals("Error: Invalid address", gen.text());
        // generatetoaddress to a legacy address works too and pays it
        String h = rpc.call("generatetoaddress", 1, legacy).get(0).asText();
        JsonNode b = rpc.call("getblock", h, 2);
        assertEquals(legacy, b.get("tx").get(0).get("vout").get(0).get("scriptPubKey").get("address").asText());
        assertEquals("pubkeyhash", b.get("tx").get(0).get("vout").get(0).get("scriptPubKey").get("type").asText());
    }
}
