package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bitcoinj.base.Coin;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionOutput;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The two shortcuts the node takes for speed must not change what it accepts or reports, as in Core:
 * the script execution cache (a transaction whose scripts passed is not verified again in a block)
 * is keyed by wtxid, so the same txid with another witness is verified; and mempool children found
 * through the spends index give the same {@code spentby}, descendant and ancestor figures as the
 * parents each entry lists. Also the stripped size counted from a transaction's fields.
 */
@Timeout(60)
class ValidationCacheTest {
    static RegtestNode node;
    static Rpc rpc;
    static final RegtestWallet wallet = RegtestWallet.random();

    @BeforeAll
    static void start() {
        node = RegtestNode.start(RegtestNode.Config.ephemeral().withPorts(0, -1));
        rpc = new Rpc(node);
        node.generateToAddress(110, wallet.address());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static JsonNode gbt() {
        return rpc.call("getblocktemplate", Map.of("rules", List.of("segwit")));
    }

    static String proposal(RawBlock b) {
        JsonNode r = rpc.call("getblocktemplate", Map.of("mode", "proposal", "data", TemplateBlocks.hex(b)));
        return r.isNull() ? null : r.asText();
    }

    @Test
    void aCachedTransactionWithAnotherWitnessIsVerifiedAgain() {
        JsonNode t = gbt(); // before the transaction reaches the mempool: the template lacks it
        var mature = wallet.matureCoinbase(node.chain()).orElseThrow();
        byte[] good = Hex.decode(wallet.spend(mature.getKey(), mature.getValue().value(), wallet.address(),
                RegtestConsensus.COIN, 1_000));
        rpc.call("sendrawtransaction", Hex.encode(good)); // its scripts pass and are remembered
        // the same transaction with its signature's last S byte changed: same txid, other wtxid, and a
        // signature that no longer verifies
        byte[] bad = good.clone();
        int sigLastByte = bad.length - 4 - 33 - 1 - 1 - 1; // before: sighash byte, pubkey push, pubkey, lock time
        bad[sigLastByte] ^= 1;
        Transaction goodTx = parse(good);
        Transaction badTx = parse(bad);
        assertEquals(goodTx.getTxId(), badTx.getTxId());
        assertNotEquals(goodTx.getWTxId(), badTx.getWTxId());

        String reason = proposal(blockWith(t, badTx));
        assertTrue(reason != null && reason.startsWith("block-script-verify-flag-failed ("), reason);
        reason = rpc.call("submitblock", TemplateBlocks.hex(TemplateBlocks.solve(blockWith(t, badTx)))).asText();
        assertTrue(reason.startsWith("block-script-verify-flag-failed ("), reason);
        // the transaction the mempool checked is accepted in the same block
        assertEquals(null, proposal(blockWith(t, goodTx)));
    }

    @Test
    void mempoolChildrenFromTheSpendsIndexAgreeWithEachEntrysParents() {
        var mature = wallet.matureCoinbase(node.chain()).orElseThrow();
        // P pays two outputs to the wallet; C1 and C2 spend one each; G spends C1's change
        Transaction p = send(wallet.spend(mature.getKey(), mature.getValue().value(), wallet.address(),
                10 * RegtestConsensus.COIN, 1_000));
        Transaction c1 = send(wallet.spend(new OutPointKey(p.getTxId(), 0), 10 * RegtestConsensus.COIN,
                wallet.address(), RegtestConsensus.COIN, 1_000));
        Transaction c2 = send(wallet.spend(new OutPointKey(p.getTxId(), 1), p.getOutput(1).getValue().value,
                wallet.address(), RegtestConsensus.COIN, 1_000));
        Transaction g = send(wallet.spend(new OutPointKey(c1.getTxId(), 1), c1.getOutput(1).getValue().value,
                wallet.address(), RegtestConsensus.COIN, 1_000));

        JsonNode pool = rpc.call("getrawmempool", true);
        JsonNode pe = pool.get(p.getTxId().toString());
        assertEquals(Set.of(c1.getTxId().toString(), c2.getTxId().toString()), strings(pe.get("spentby")));
        assertEquals(4, pe.get("descendantcount").asInt());
        assertEquals(2, pool.get(c1.getTxId().toString()).get("descendantcount").asInt());
        assertEquals(Set.of(g.getTxId().toString()), strings(pool.get(c1.getTxId().toString()).get("spentby")));
        assertEquals(Set.of(), strings(pool.get(c2.getTxId().toString()).get("spentby")));
        assertEquals(3, pool.get(g.getTxId().toString()).get("ancestorcount").asInt());
        // for every entry: x spends y exactly when y lists x in spentby; getmempoolentry says the same
        for (Iterator<Map.Entry<String, JsonNode>> it = pool.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            Set<String> children = new HashSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> o = pool.fields(); o.hasNext();) {
                Map.Entry<String, JsonNode> other = o.next();
                if (strings(other.getValue().get("depends")).contains(e.getKey())) {
                    children.add(other.getKey());
                }
            }
            assertEquals(children, strings(e.getValue().get("spentby")), e.getKey());
            assertEquals(e.getValue(), rpc.call("getmempoolentry", e.getKey()));
        }
    }

    @Test
    void strippedSizeCountedFromTheFieldsIsTheSerializationWithoutWitness() {
        var mature = wallet.matureCoinbase(node.chain()).orElseThrow();
        List<Transaction> txs = new ArrayList<>();
        txs.add(parse(Hex.decode(wallet.spend(mature.getKey(), mature.getValue().value(), wallet.address(),
                RegtestConsensus.COIN, 1_000)))); // segwit, two outputs
        byte[] opReturn = new byte[80];
        opReturn[0] = 0x6a;
        opReturn[1] = 0x4c;
        opReturn[2] = 77;
        txs.add(parse(Hex.decode(wallet.spendToScript(mature.getKey(), mature.getValue().value(), opReturn, 0, 1_000))));
        JsonNode t = gbt();
        txs.add(TemplateBlocks.coinbaseTx(t, TemplateBlocks.standardCoinbase(t, wallet.scriptPubKey())));
        txs.add(node.chain().coinbaseAt(1).orElseThrow()); // no witness at all
        for (Transaction tx : txs) {
            // weight = 3 x stripped + total (BIP141), both from bitcoinj's serializations
            assertEquals((tx.getWeight() - tx.messageSize()) / 3, RawBlock.strippedSize(tx), tx.toString());
        }
    }

    private static Transaction send(String raw) {
        rpc.call("sendrawtransaction", raw);
        return parse(Hex.decode(raw));
    }

    private static Transaction parse(byte[] raw) {
        return Transaction.read(ByteBuffer.wrap(raw));
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new HashSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** A block of {@code t}'s transactions plus {@code tx}, with the witness commitment over them. */
    private static RawBlock blockWith(JsonNode t, Transaction tx) {
        TemplateBlocks.Coinbase cb = TemplateBlocks.standardCoinbase(t, wallet.scriptPubKey());
        List<Transaction> txs = new ArrayList<>();
        txs.add(TemplateBlocks.coinbaseTx(t, cb));
        txs.addAll(TemplateBlocks.templateTxs(t));
        txs.add(tx);
        byte[] commitment = BlockRules.witnessCommitmentScript(txs);
        Transaction coinbase = TemplateBlocks.coinbaseTx(t, cb);
        coinbase.replaceOutput(1, new TransactionOutput(coinbase, Coin.ZERO, commitment));
        txs.set(0, coinbase);
        return TemplateBlocks.header(t, txs, t.get("curtime").asLong());
    }
}
