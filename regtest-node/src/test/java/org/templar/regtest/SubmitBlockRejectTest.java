package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bitcoinj.base.Coin;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionOutput;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each reason Core's submitblock gives for a block a pool can get wrong: a valid block is built from
 * getblocktemplate, one thing is broken, the header is re-solved where the fault is not the proof of
 * work itself, and the node's answer is compared with Core's string.
 */
@Timeout(60)
class SubmitBlockRejectTest {
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

    static TemplateBlocks.Coinbase cb(JsonNode gbt) {
        return TemplateBlocks.standardCoinbase(gbt, wallet.scriptPubKey());
    }

    static String submit(RawBlock b) {
        JsonNode r = rpc.call("submitblock", TemplateBlocks.hex(b));
        return r.isNull() ? null : r.asText();
    }

    static RawBlock withHeader(RawBlock b, int offset, byte[] bytes) {
        byte[] h = b.header();
        System.arraycopy(bytes, 0, h, offset, bytes.length);
        return RawBlock.of(h, b.transactions());
    }

    static byte[] le32(long v) {
        byte[] b = new byte[4];
        CoreEncodings.writeIntLe(b, 0, (int) v);
        return b;
    }

    static String tip() {
        return rpc.call("getbestblockhash").asText();
    }

    @Test
    void highHash() {
        JsonNode t = gbt();
        RawBlock b = TemplateBlocks.unsolve(TemplateBlocks.build(t, cb(t)));
        assertEquals("high-hash", submit(b));
        String before = tip();
        assertEquals(before, tip());
    }

    @Test
    void badMerkleRoot() {
        JsonNode t = gbt();
        RawBlock good = TemplateBlocks.build(t, cb(t));
        byte[] root = good.merkleRootInternal();
        root[0] ^= 1;
        assertEquals("bad-txnmrklroot", submit(TemplateBlocks.solve(withHeader(good, 36, root))));
    }

    @Test
    void coinbasePaysOneSatoshiTooMuch() {
        JsonNode t = gbt();
        TemplateBlocks.Coinbase c = cb(t);
        RawBlock b = TemplateBlocks.solve(TemplateBlocks.build(t,
                new TemplateBlocks.Coinbase(c.scriptSig(), c.value() + 1, c.payoutScript(), true, c.witnessNonce())));
        assertEquals("bad-cb-amount", submit(b));
        // Core marks it invalid: the same block again is a known-invalid duplicate
        assertEquals("duplicate-invalid", submit(b));
    }

    @Test
    void coinbaseMayPayLessThanAllowed() {
        JsonNode t = gbt();
        TemplateBlocks.Coinbase c = cb(t);
        RawBlock b = TemplateBlocks.solve(TemplateBlocks.build(t,
                new TemplateBlocks.Coinbase(c.scriptSig(), c.value() - 1, c.payoutScript(), true, c.witnessNonce())));
        assertEquals(null, submit(b));
        assertEquals(b.hash().toString(), tip());
    }

    @Test
    void wrongBip34Height() {
        JsonNode t = gbt();
        TemplateBlocks.Coinbase c = cb(t);
        byte[] wrong = CoreEncodings.heightPush(t.get("height").asInt() + 1);
        byte[] sig = Arrays.copyOf(wrong, wrong.length + 1);
        sig[wrong.length] = 0x00;
        RawBlock b = TemplateBlocks.solve(TemplateBlocks.build(t,
                new TemplateBlocks.Coinbase(sig, c.value(), c.payoutScript(), true, c.witnessNonce())));
        assertEquals("bad-cb-height", submit(b));
    }

    @Test
    void coinbaseScriptSigOver100Bytes() {
        JsonNode t = gbt();
        TemplateBlocks.Coinbase c = cb(t);
        byte[] height = CoreEncodings.heightPush(t.get("height").asInt());
        byte[] sig = new byte[101];
        System.arraycopy(height, 0, sig, 0, height.length);
        sig[height.length] = (byte) (101 - height.length - 1); // one push filling the rest
        RawBlock b = TemplateBlocks.solve(TemplateBlocks.build(t,
                new TemplateBlocks.Coinbase(sig, c.value(), c.payoutScript(), true, c.witnessNonce())));
        assertEquals("bad-cb-length", submit(b));
    }

    @Test
    void witnessCommitmentMismatch() {
        JsonNode t = gbt();
        RawBlock good = TemplateBlocks.build(t, cb(t));
        List<Transaction> txs = new ArrayList<>(good.transactions());
        Transaction coinbase = txs.get(0);
        byte[] script = coinbase.getOutput(1).getScriptBytes().clone();
        script[37] ^= 1;
        coinbase.replaceOutput(1, new TransactionOutput(coinbase, Coin.ZERO, script));
        RawBlock b = TemplateBlocks.solve(TemplateBlocks.header(t, txs, t.get("curtime").asLong()));
        assertEquals("bad-witness-merkle-match", submit(b));
    }

    @Test
    void witnessReservedValueOfWrongSize() {
        JsonNode t = gbt();
        TemplateBlocks.Coinbase c = cb(t);
        RawBlock b = TemplateBlocks.solve(TemplateBlocks.build(t,
                new TemplateBlocks.Coinbase(c.scriptSig(), c.value(), c.payoutScript(), true, new byte[31])));
        assertEquals("bad-witness-nonce-size", submit(b));
    }

    @Test
    void witnessDataWithoutCommitment() {
        JsonNode t = gbt();
        TemplateBlocks.Coinbase c = cb(t);
        RawBlock b = TemplateBlocks.solve(TemplateBlocks.build(t,
                new TemplateBlocks.Coinbase(c.scriptSig(), c.value(), c.payoutScript(), false, new byte[32])));
        assertEquals("unexpected-witness", submit(b));
    }

    @Test
    void commitmentWithoutReservedValueIsCompletedLikeCore() {
        // Core's UpdateUncommittedBlockStructures adds the all-zero reserved value before validating.
        JsonNode t = gbt();
        TemplateBlocks.Coinbase c = cb(t);
        RawBlock b = TemplateBlocks.solve(TemplateBlocks.build(t,
                new TemplateBlocks.Coinbase(c.scriptSig(), c.value(), c.payoutScript(), true, null)));
        assertEquals(null, submit(b));
    }

    @Test
    void duplicateAndSideBranch() {
        JsonNode t = gbt();
        RawBlock a = TemplateBlocks.solve(TemplateBlocks.build(t, cb(t)));
        assertEquals(null, submit(a));
        assertEquals("duplicate", submit(a));
        // a sibling of the new tip: valid, stored, not connected
        TemplateBlocks.Coinbase c = cb(t);
        byte[] sig = Arrays.copyOf(c.scriptSig(), c.scriptSig().length);
        sig[sig.length - 1] = 'X';
        RawBlock sibling = TemplateBlocks.solve(TemplateBlocks.build(t,
                new TemplateBlocks.Coinbase(sig, c.value(), c.payoutScript(), true, c.witnessNonce())));
        assertEquals("inconclusive", submit(sibling));
        assertEquals(a.hash().toString(), tip());
        assertEquals(-1, rpc.call("getblockheader", sibling.hash().toString()).get("confirmations").asInt());
        // Core (ProcessNewBlock: the block's data is already stored, so new_block is false and it is
        // "accepted") answers "duplicate" for a known block off the active chain too; only
        // getblockheader tells the two apart
        assertEquals("duplicate", submit(sibling));
        assertEquals(-1, rpc.call("getblockheader", sibling.hash().toString()).get("confirmations").asInt());
        assertEquals(1, rpc.call("getblockheader", a.hash().toString()).get("confirmations").asInt());
        assertEquals(a.hash().toString(), tip());
    }

    @Test
    void unknownParent() {
        JsonNode t = gbt();
        RawBlock good = TemplateBlocks.build(t, cb(t));
        byte[] prev = Sha256Hash.of("no such block".getBytes()).getReversedBytes();
        assertEquals("prev-blk-not-found", submit(TemplateBlocks.solve(withHeader(good, 4, prev))));
    }

    @Test
    void timestampNotAfterMedianTimePast() {
        JsonNode t = gbt();
        long mtp = t.get("mintime").asLong() - 1;
        RawBlock b = TemplateBlocks.build(t, cb(t));
        assertEquals("time-too-old", submit(TemplateBlocks.solve(withHeader(b, 68, le32(mtp)))));
        assertEquals(null, submit(TemplateBlocks.solve(withHeader(b, 68, le32(mtp + 1)))));
    }

    @Test
    void timestampMoreThanTwoHoursAhead() {
        JsonNode t = gbt();
        long now = System.currentTimeMillis() / 1000;
        RawBlock b = TemplateBlocks.build(t, cb(t));
        assertEquals("time-too-new", submit(TemplateBlocks.solve(withHeader(b, 68, le32(now + 2 * 3600 + 60)))));
    }

    @Test
    void wrongBits() {
        JsonNode t = gbt();
        RawBlock b = TemplateBlocks.build(t, cb(t));
        assertEquals("bad-diffbits", submit(TemplateBlocks.solve(withHeader(b, 72, le32(0x207ffffeL)))));
    }

    @Test
    void versionBelowFour() {
        JsonNode t = gbt();
        RawBlock b = TemplateBlocks.build(t, cb(t));
        assertEquals("bad-version(0x00000003)", submit(TemplateBlocks.solve(withHeader(b, 0, le32(3)))));
    }

    @Test
    void transactionsSpendingWhatDoesNotExist() {
        JsonNode t = gbt();
        String raw = wallet.spend(new OutPointKey(Sha256Hash.of("missing".getBytes()), 0), 50 * RegtestConsensus.COIN,
                wallet.address(), RegtestConsensus.COIN, 1_000);
        assertEquals("bad-txns-inputs-missingorspent", submit(blockWith(t, raw)));
    }

    @Test
    void transactionsSpendingImmatureCoinbase() {
        JsonNode t = gbt();
        var immature = wallet.outputs(node.chain()).stream()
                .filter(e -> e.getValue().coinbase() && t.get("height").asInt() - e.getValue().height() < 100)
                .findFirst().orElseThrow();
        String raw = wallet.spend(immature.getKey(), immature.getValue().value(), wallet.address(), RegtestConsensus.COIN, 1_000);
        assertEquals("bad-txns-premature-spend-of-coinbase", submit(blockWith(t, raw)));
    }

    @Test
    void transactionPayingMoreThanItSpends() {
        JsonNode t = gbt();
        var mature = wallet.matureCoinbase(node.chain()).orElseThrow();
        // claims the input is worth one coin more than it is: outputs exceed inputs (and the signature commits to the wrong value)
        String raw = wallet.spend(mature.getKey(), mature.getValue().value() + RegtestConsensus.COIN, wallet.address(),
                mature.getValue().value() + RegtestConsensus.COIN / 2, 1_000);
        assertEquals("bad-txns-in-belowout", submit(blockWith(t, raw)));
    }

    @Test
    void badSignatureInABlock() {
        JsonNode t = gbt();
        var mature = wallet.matureCoinbase(node.chain()).orElseThrow();
        String raw = RegtestWallet.random().spend(mature.getKey(), mature.getValue().value(), wallet.address(),
                RegtestConsensus.COIN, 1_000);
        String reason = submit(blockWith(t, raw));
        assertTrue(reason.startsWith("block-script-verify-flag-failed ("), reason);
    }

    /** A solved block with the template's coinbase (value unchanged) plus one extra transaction. */
    private static RawBlock blockWith(JsonNode t, String rawTx) {
        Transaction tx = Transaction.read(ByteBuffer.wrap(Hex.decode(rawTx)));
        List<Transaction> txs = new ArrayList<>();
        txs.add(null);
        txs.addAll(TemplateBlocks.templateTxs(t));
        txs.add(tx);
        // recompute the witness commitment for the new transaction list
        List<Transaction> forCommitment = new ArrayList<>(txs);
        forCommitment.set(0, TemplateBlocks.coinbaseTx(t, cb(t)));
        byte[] commitment = BlockRules.witnessCommitmentScript(forCommitment);
        Transaction coinbase = TemplateBlocks.coinbaseTx(t, cb(t));
        coinbase.replaceOutput(1, new TransactionOutput(coinbase, Coin.ZERO, commitment));
        txs.set(0, coinbase);
        return TemplateBlocks.solve(TemplateBlocks.header(t, txs, t.get("curtime").asLong()));
    }

    @Test
    void undecodableBlocks() {
        Rpc.Error e = assertThrows(Rpc.Error.class, () -> rpc.call("submitblock", "00ff"));
        assertEquals(-22, e.code);
        assertEquals("Block decode failed", e.text());
        JsonNode t = gbt();
        RawBlock good = TemplateBlocks.solve(TemplateBlocks.build(t, cb(t)));
        List<Transaction> onlyNonCoinbase = new ArrayList<>();
        var mature = wallet.matureCoinbase(node.chain()).orElseThrow();
        onlyNonCoinbase.add(Transaction.read(ByteBuffer.wrap(Hex.decode(
                wallet.spend(mature.getKey(), mature.getValue().value(), wallet.address(), RegtestConsensus.COIN, 1_000)))));
        Rpc.Error e2 = assertThrows(Rpc.Error.class,
                () -> rpc.call("submitblock", TemplateBlocks.hex(good.withTransactions(onlyNonCoinbase))));
        assertEquals(-22, e2.code);
        assertEquals("Block does not start with a coinbase", e2.text());
    }

    @Test
    void proposalModeChecksEverythingButProofOfWork() {
        JsonNode t = gbt();
        RawBlock good = TemplateBlocks.build(t, cb(t));
        assertTrue(rpc.call("getblocktemplate", Map.of("mode", "proposal", "data", TemplateBlocks.hex(TemplateBlocks.unsolve(good)))).isNull());
        byte[] root = good.merkleRootInternal();
        root[5] ^= 1;
        assertEquals("bad-txnmrklroot", rpc.call("getblocktemplate",
                Map.of("mode", "proposal", "data", TemplateBlocks.hex(withHeader(good, 36, root)))).asText());
        TemplateBlocks.Coinbase c = cb(t);
        RawBlock greedy = TemplateBlocks.build(t, new TemplateBlocks.Coinbase(c.scriptSig(), c.value() + 1, c.payoutScript(), true, c.witnessNonce()));
        assertEquals("bad-cb-amount", rpc.call("getblocktemplate", Map.of("mode", "proposal", "data", TemplateBlocks.hex(greedy))).asText());
        byte[] prev = Sha256Hash.of("elsewhere".getBytes()).getReversedBytes();
        assertEquals("inconclusive-not-best-prevblk", rpc.call("getblocktemplate",
                Map.of("mode", "proposal", "data", TemplateBlocks.hex(withHeader(good, 4, prev)))).asText());
        // the proposal path does not fill in a missing witness reserved value (submitblock does)
        RawBlock noNonce = TemplateBlocks.build(t, new TemplateBlocks.Coinbase(c.scriptSig(), c.value(), c.payoutScript(), true, null));
        assertEquals("bad-witness-nonce-size", rpc.call("getblocktemplate",
                Map.of("mode", "proposal", "data", TemplateBlocks.hex(noNonce))).asText());
        // nothing was stored by proposals: the good block is still new
        assertEquals(null, submit(TemplateBlocks.solve(good)));
    }
}
