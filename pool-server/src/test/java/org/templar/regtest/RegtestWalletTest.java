package org.templar.regtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.bitcoinj.base.Coin;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;
import org.bitcoinj.script.Script;
import org.bitcoinj.script.ScriptException;
import org.junit.jupiter.api.Test;
import org.templar.share.Hex;

/** The faucet builds transactions whose P2WPKH signature verifies for the spent amount and only for it. */
class RegtestWalletTest {
    private static final String PREV_TXID = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";

    @Test
    void addressIsRegtestP2wpkhAndScriptMatchesIt() {
        RegtestWallet w = RegtestWallet.random();
        assertTrue(w.address().startsWith("bcrt1q"), w.address());
        byte[] spk = w.scriptPubKey();
        assertEquals(22, spk.length);
        assertEquals(0x00, spk[0]);
        assertEquals(0x14, spk[1]);
        assertArrayEquals(spk, RegtestWallet.scriptFor(w.address()));
    }

    @Test
    void sameKeySameAddress() {
        byte[] k = Hex.decode("0101010101010101010101010101010101010101010101010101010101010101");
        assertEquals(RegtestWallet.fromPrivateKey(k).address(), RegtestWallet.fromPrivateKey(k).address());
    }

    @Test
    void spendPaysAmountReturnsChangeAndSignsForTheSpentValue() {
        RegtestWallet from = RegtestWallet.random();
        RegtestWallet to = RegtestWallet.random();
        long value = 50_0000_0000L;
        String hex = from.spend(PREV_TXID, 0, value, to.address(), 1_0000_0000L, 2_000);
        Transaction tx = Transaction.read(ByteBuffer.wrap(Hex.decode(hex)));

        assertEquals(1, tx.getInputs().size());
        assertEquals(PREV_TXID, tx.getInput(0).getOutpoint().hash().toString());
        assertEquals(2, tx.getOutputs().size());
        assertEquals(1_0000_0000L, tx.getOutput(0).getValue().value);
        assertArrayEquals(to.scriptPubKey(), tx.getOutput(0).getScriptBytes());
        assertEquals(value - 1_0000_0000L - 2_000, tx.getOutput(1).getValue().value);
        assertArrayEquals(from.scriptPubKey(), tx.getOutput(1).getScriptBytes());

        TransactionInput in = tx.getInput(0);
        Script spk = Script.parse(from.scriptPubKey());
        in.getScriptSig().correctlySpends(tx, 0, in.getWitness(), Coin.valueOf(value), spk, Script.ALL_VERIFY_FLAGS);
        // BIP143 commits to the amount: the same signature does not verify for another value
        assertThrows(ScriptException.class, () -> in.getScriptSig().correctlySpends(tx, 0, in.getWitness(),
                Coin.valueOf(value - 1), spk, Script.ALL_VERIFY_FLAGS));
    }

    @Test
    void spendAllHasNoChangeAndRefusesImpossibleAmounts() {
        RegtestWallet w = RegtestWallet.random();
        Transaction tx = Transaction.read(ByteBuffer.wrap(Hex.decode(
                w.spendAll(PREV_TXID, 1, 10_000, w.address(), 500))));
        assertEquals(1, tx.getOutputs().size());
        assertEquals(9_500, tx.getOutput(0).getValue().value);
        assertThrows(IllegalArgumentException.class, () -> w.spend(PREV_TXID, 0, 1_000, w.address(), 900, 200));
        assertThrows(IllegalArgumentException.class, () -> w.spend(PREV_TXID, 0, 10_000, w.address(), 9_600, 200));
    }
}
