package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** sendrawtransaction's acceptance rules and error texts, with transactions signed by the faucet wallet. */
@Timeout(60)
class MempoolTest {
    static RegtestNode node;
    static Rpc rpc;
    static final RegtestWallet wallet = RegtestWallet.random();
    static final RegtestWallet other = RegtestWallet.random();

    @BeforeAll
    static void start() {
        node = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(0, -1));
        rpc = new Rpc(node);
        node.generateToAddress(105, wallet.address()); // heights 1..5 mature for the next block
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static Rpc.Error rejected(String rawHex) {
        return assertThrows(Rpc.Error.class, () -> rpc.call("sendrawtransaction", rawHex));
    }

    @Test
    void coinbaseSpendableOnlyAfterOneHundredConfirmations() {
        try (RegtestNode fresh = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(0, -1))) {
            Rpc r = new Rpc(fresh);
            RegtestWallet miner = RegtestWallet.random();
            fresh.generateToAddress(1, miner.address());
            fresh.generateToAddress(98, other.address());
            // tip 99: a spend would be mined at height 100, depth 99 for the height-1 coinbase
            var coin = miner.outputs(fresh.chain()).get(0);
            assertEquals(1, coin.getValue().height());
            String raw = miner.spend(coin.getKey(), coin.getValue().value(), other.address(), RegtestConsensus.COIN, 1_000);
            Rpc.Error e = assertThrows(Rpc.Error.class, () -> r.call("sendrawtransaction", raw));
            assertEquals(-26, e.code);
            assertEquals("bad-txns-premature-spend-of-coinbase, tried to spend coinbase at depth 99", e.text());
            assertTrue(miner.matureCoinbase(fresh.chain()).isEmpty());
            fresh.generateToAddress(1, other.address());
            assertEquals(64, r.call("sendrawtransaction", raw).asText().length());
        }
    }

    @Test
    void doubleSpendAgainstTheMempoolIsRejected() {
        var coin = wallet.matureCoinbase(node.chain()).orElseThrow();
        String first = wallet.spend(coin.getKey(), coin.getValue().value(), other.address(), RegtestConsensus.COIN, 2_000);
        String txid = rpc.call("sendrawtransaction", first).asText();
        // sending the same transaction again is not an error (Core returns the txid)
        assertEquals(txid, rpc.call("sendrawtransaction", first).asText());
        String second = wallet.spend(coin.getKey(), coin.getValue().value(), other.address(), 2 * RegtestConsensus.COIN, 2_000);
        Rpc.Error e = rejected(second);
        assertEquals(-26, e.code);
        assertEquals("txn-mempool-conflict", e.text());
    }

    @Test
    void feeBelowMinimumRelayFeeIsRejected() {
        var coin = wallet.matureCoinbase(node.chain()).orElseThrow();
        // Core v30+: 0.1 sat/vB, the required fee rounded up
        String low = wallet.spend(coin.getKey(), coin.getValue().value(), other.address(), RegtestConsensus.COIN, 5);
        int vsize = org.bitcoinj.core.Transaction.read(java.nio.ByteBuffer.wrap(Hex.decode(low))).getVsize();
        long required = (vsize * 100L + 999) / 1000;
        Rpc.Error e = rejected(low);
        assertEquals(-26, e.code);
        assertEquals("min relay fee not met, 5 < " + required, e.text());
        // without change output the transaction is smaller, and so is the required fee
        String zeroFee = wallet.spend(coin.getKey(), coin.getValue().value(), other.address(), coin.getValue().value(), 0);
        int zeroVsize = org.bitcoinj.core.Transaction.read(java.nio.ByteBuffer.wrap(Hex.decode(zeroFee))).getVsize();
        Rpc.Error zero = rejected(zeroFee);
        assertEquals("min relay fee not met, 0 < " + (zeroVsize * 100L + 999) / 1000, zero.text());
        // exactly the minimum is enough
        assertEquals(64, rpc.call("sendrawtransaction",
                wallet.spend(coin.getKey(), coin.getValue().value(), other.address(), RegtestConsensus.COIN, required)).asText().length());
    }

    @Test
    void absurdFeeIsRefusedUnlessAllowed() {
        var coin = wallet.matureCoinbase(node.chain()).orElseThrow();
        String raw = wallet.spend(coin.getKey(), coin.getValue().value(), other.address(), RegtestConsensus.COIN, RegtestConsensus.COIN);
        Rpc.Error e = rejected(raw);
        assertEquals(-25, e.code);
        assertEquals("Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)", e.text());
        assertEquals(64, rpc.call("sendrawtransaction", raw, 0).asText().length());
    }

    @Test
    void burningCoinsNeedsMaxburnamount() {
        var coin = wallet.matureCoinbase(node.chain()).orElseThrow();
        byte[] opReturn = org.bitcoinj.script.ScriptBuilder.createOpReturnScript("templar".getBytes()).program();
        String burn = wallet.spendToScript(coin.getKey(), coin.getValue().value(), opReturn, 1_000, 1_000);
        Rpc.Error e = rejected(burn);
        assertEquals(-25, e.code);
        assertEquals("Unspendable output exceeds maximum configured by user (maxburnamount)", e.text());
        assertEquals(64, rpc.call("sendrawtransaction", burn, 0.1, 0.00001).asText().length());
        // a zero-value data carrier is fine by default
        var next = wallet.matureCoinbase(node.chain()).orElseThrow();
        assertEquals(64, rpc.call("sendrawtransaction",
                wallet.spendToScript(next.getKey(), next.getValue().value(), opReturn, 0, 1_000)).asText().length());
    }

    @Test
    void nonStandardOutputsAreRefusedLikeRegtestCore() {
        var coin = wallet.matureCoinbase(node.chain()).orElseThrow();
        // 294 sat is the P2WPKH dust threshold at 3 sat/vB: one less is dust
        Rpc.Error dust = rejected(wallet.spend(coin.getKey(), coin.getValue().value(), other.address(), 293, 1_000));
        assertEquals(-26, dust.code);
        assertEquals("dust", dust.text());
        Rpc.Error script = rejected(wallet.spendToScript(coin.getKey(), coin.getValue().value(), new byte[] {0x51, 0x75},
                RegtestConsensus.COIN, 1_000));
        assertEquals("scriptpubkey", script.text());
        assertEquals(64, rpc.call("sendrawtransaction",
                wallet.spend(coin.getKey(), coin.getValue().value(), other.address(), 294, 1_000)).asText().length());
    }

    @Test
    void missingInputsAndBadSignaturesAreRejected() {
        var coin = wallet.matureCoinbase(node.chain()).orElseThrow();
        String missing = wallet.spend(new OutPointKey(org.bitcoinj.base.Sha256Hash.of(new byte[] {1}), 3), RegtestConsensus.COIN,
                other.address(), RegtestConsensus.COIN / 2, 1_000);
        Rpc.Error e = rejected(missing);
        assertEquals(-25, e.code);
        assertEquals("bad-txns-inputs-missingorspent", e.text());
        // signed by a key that does not own the output
        Rpc.Error sig = rejected(other.spend(coin.getKey(), coin.getValue().value(), other.address(), RegtestConsensus.COIN, 1_000));
        assertEquals(-26, sig.code);
        assertTrue(sig.text().startsWith("mempool-script-verify-flag-failed ("), sig.text());
        Rpc.Error decode = assertThrows(Rpc.Error.class, () -> rpc.call("sendrawtransaction", "0200zz"));
        assertEquals(-22, decode.code);
        assertEquals("TX decode failed. Make sure the tx has at least one input.", decode.text());
    }

    @Test
    void confirmedTransactionLeavesTheMempoolAndCannotBeResent() {
        var coin = wallet.matureCoinbase(node.chain()).orElseThrow();
        String raw = wallet.spend(coin.getKey(), coin.getValue().value(), other.address(), RegtestConsensus.COIN, 1_500);
        String txid = rpc.call("sendrawtransaction", raw).asText();
        assertTrue(rpc.call("getrawmempool", true).has(txid));
        JsonNode mined = rpc.call("generatetoaddress", 1, other.address());
        assertEquals(1, mined.size());
        assertTrue(!rpc.call("getrawmempool").toString().contains(txid));
        Rpc.Error e = rejected(raw);
        assertEquals(-27, e.code);
        assertEquals("Transaction outputs already in utxo set", e.text());
        Rpc.Error gone = assertThrows(Rpc.Error.class, () -> rpc.call("getmempoolentry", txid));
        assertEquals(-5, gone.code);
        assertEquals("Transaction not in mempool", gone.text());
        // confirmed transactions are indexed: found with or without the block hash
        assertEquals(raw, rpc.call("getrawtransaction", txid).asText());
        JsonNode verbose = rpc.call("getrawtransaction", txid, true, mined.get(0).asText());
        assertTrue(verbose.get("in_active_chain").asBoolean());
        assertEquals(mined.get(0).asText(), verbose.get("blockhash").asText());
        // the template no longer offers it
        JsonNode gbt = rpc.call("getblocktemplate", Map.of("rules", List.of("segwit")));
        assertTrue(!gbt.get("transactions").toString().contains(txid));
    }
}
