package org.templar.regtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bitcoinj.base.Coin;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;
import org.bitcoinj.core.TransactionOutPoint;
import org.bitcoinj.core.TransactionOutput;
import org.bitcoinj.core.TransactionWitness;

/**
 * Builds a block from a getblocktemplate answer the way a pool does (coinbase with the BIP34 height,
 * payout, default_witness_commitment; template transactions; merkle root; solved header), so tests
 * can submit it intact or with one thing broken.
 */
final class TemplateBlocks {
    private TemplateBlocks() {}

    /** Coinbase parts a test may vary. */
    record Coinbase(byte[] scriptSig, long value, byte[] payoutScript, boolean witnessCommitment, byte[] witnessNonce) {}

    static Coinbase standardCoinbase(JsonNode gbt, byte[] payoutScript) {
        byte[] height = CoreEncodings.heightPush(gbt.get("height").asInt());
        byte[] sig = new byte[height.length + 5];
        System.arraycopy(height, 0, sig, 0, height.length);
        sig[height.length] = 4; // push a 4-byte pool tag so that scriptSig is always >= 2 bytes
        sig[height.length + 1] = 't';
        sig[height.length + 2] = 'e';
        sig[height.length + 3] = 's';
        sig[height.length + 4] = 't';
        return new Coinbase(sig, gbt.get("coinbasevalue").asLong(), payoutScript, true, new byte[32]);
    }

    static Transaction coinbaseTx(JsonNode gbt, Coinbase cb) {
        Transaction tx = new Transaction();
        tx.setVersion(2);
        TransactionInput in = new TransactionInput(tx, cb.scriptSig(), TransactionOutPoint.UNCONNECTED);
        if (cb.witnessNonce() != null) {
            in = in.withWitness(TransactionWitness.of(cb.witnessNonce()));
        }
        tx.addInput(in);
        tx.addOutput(new TransactionOutput(tx, Coin.valueOf(cb.value()), cb.payoutScript()));
        if (cb.witnessCommitment()) {
            tx.addOutput(new TransactionOutput(tx, Coin.ZERO, Hex.decode(gbt.get("default_witness_commitment").asText())));
        }
        return tx;
    }

    static List<Transaction> templateTxs(JsonNode gbt) {
        List<Transaction> txs = new ArrayList<>();
        for (JsonNode t : gbt.get("transactions")) {
            txs.add(Transaction.read(ByteBuffer.wrap(Hex.decode(t.get("data").asText()))));
        }
        return txs;
    }

    static RawBlock build(JsonNode gbt, Coinbase cb) {
        List<Transaction> txs = new ArrayList<>();
        txs.add(coinbaseTx(gbt, cb));
        txs.addAll(templateTxs(gbt));
        return header(gbt, txs, gbt.get("curtime").asLong());
    }

    static RawBlock header(JsonNode gbt, List<Transaction> txs, long time) {
        return RawBlock.assemble(gbt.get("version").asInt(), Sha256Hash.wrap(gbt.get("previousblockhash").asText()), time,
                (int) Long.parseLong(gbt.get("bits").asText(), 16), 0, txs);
    }

    /** The first nonce whose hash meets the target. */
    static RawBlock solve(RawBlock b) {
        for (long n = 0; n < 1_000_000; n++) {
            RawBlock c = b.withNonce(n);
            if (BlockRules.proofOfWorkValid(c.hash().getReversedBytes(), c.bits())) {
                return c;
            }
        }
        throw new AssertionError("no solution in a million nonces on regtest");
    }

    /** The first nonce whose hash does NOT meet the target. */
    static RawBlock unsolve(RawBlock b) {
        for (long n = 0; n < 1_000_000; n++) {
            RawBlock c = b.withNonce(n);
            if (!BlockRules.proofOfWorkValid(c.hash().getReversedBytes(), c.bits())) {
                return c;
            }
        }
        throw new AssertionError("every nonce met the target");
    }

    static String hex(RawBlock b) {
        return Hex.encode(b.serialize());
    }
}
