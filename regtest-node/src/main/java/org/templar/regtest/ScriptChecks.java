package org.templar.regtest;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bitcoinj.crypto.internal.CryptoUtils;
import org.bitcoinj.base.Coin;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;
import org.bitcoinj.core.TransactionWitness;
import org.bitcoinj.crypto.ECKey;
import org.bitcoinj.crypto.TransactionSignature;
import org.bitcoinj.script.Script;
import org.bitcoinj.script.ScriptChunk;
import org.bitcoinj.script.ScriptPattern;

/**
 * Input script verification through bitcoinj's interpreter. bitcoinj checks a P2WPKH or P2PKH
 * signature but not that the key hashes to the output's program, so that binding is checked here.
 * Spends bitcoinj cannot evaluate (P2WSH, P2TR, P2SH-wrapped witness programs) are refused rather
 * than waved through: this node must never accept what Core would reject.
 */
final class ScriptChecks {
    private ScriptChecks() {}

    static final Set<Script.VerifyFlag> CONSENSUS_FLAGS = EnumSet.of(Script.VerifyFlag.P2SH, Script.VerifyFlag.DERSIG,
            Script.VerifyFlag.NULLDUMMY, Script.VerifyFlag.CHECKLOCKTIMEVERIFY, Script.VerifyFlag.CHECKSEQUENCEVERIFY);

    /** Throws when input {@code index} does not spend {@code spent}; the failure gives Core's block or mempool reason. */
    static void verifyInput(Transaction tx, int index, Utxo spent) throws ScriptFailure {
        TransactionInput in = tx.getInput(index);
        Script scriptPubKey;
        Script scriptSig;
        try {
            scriptPubKey = Script.parse(spent.script());
            scriptSig = Script.parse(in.getScriptBytes());
        } catch (RuntimeException e) {
            throw new ScriptFailure("Script failed to parse");
        }
        TransactionWitness witness = in.getWitness();
        try {
            if (ScriptPattern.isP2WPKH(scriptPubKey)) {
                if (in.getScriptBytes().length != 0) {
                    throw new ScriptFailure("Witness requires empty scriptSig");
                }
                if (witness.getPushCount() != 2) {
                    throw new ScriptFailure("Witness program hash mismatch");
                }
                byte[] program = ScriptPattern.extractHashFromP2WH(scriptPubKey);
                if (!Arrays.equals(program, ECKey.fromPublicOnly(witness.getPush(1)).getPubKeyHash())) {
                    throw new ScriptFailure("Witness program hash mismatch");
                }
                scriptSig.correctlySpends(tx, index, witness, Coin.valueOf(spent.value()), scriptPubKey, CONSENSUS_FLAGS);
                return;
            }
            if (ScriptPattern.isP2WH(scriptPubKey) || ScriptPattern.isP2TR(scriptPubKey)
                    || (ScriptPattern.isP2SH(scriptPubKey) && witness.getPushCount() > 0)) {
                throw new ScriptFailure("script type not verifiable by the embedded regtest node");
            }
            if (witness.getPushCount() > 0) {
                throw new ScriptFailure("Witness provided for non-witness script");
            }
            if (ScriptPattern.isP2PKH(scriptPubKey)) {
                List<ScriptChunk> chunks = scriptSig.chunks();
                if (chunks.size() != 2 || chunks.get(1).data == null || !Arrays.equals(
                        CryptoUtils.sha256hash160(chunks.get(1).data), ScriptPattern.extractHashFromP2PKH(scriptPubKey))) {
                    throw new ScriptFailure("Script failed an OP_EQUALVERIFY operation");
                }
                // bitcoinj parses the signature before checking it; a malformed one is a script failure too.
                TransactionSignature.decodeFromBitcoin(chunks.get(0).data, true, false);
            }
            scriptSig.correctlySpends(tx, index, witness, Coin.valueOf(spent.value()), scriptPubKey, CONSENSUS_FLAGS);
        } catch (ScriptFailure f) {
            throw f;
        } catch (Exception e) {
            throw new ScriptFailure("Script evaluated without error but finished with a false/empty top stack element");
        }
    }

    /** Witness sigops Core counts for a P2WPKH spend (one CHECKSIG); other programs are refused above. */
    static int witnessSigOps(Utxo spent) {
        try {
            return ScriptPattern.isP2WPKH(Script.parse(spent.script())) ? 1 : 0;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    static final class ScriptFailure extends Exception {
        ScriptFailure(String msg) {
            super(msg, null, false, false);
        }

        /** Core v30+ reason in a block (ConnectBlock). */
        String blockReason() {
            return "block-script-verify-flag-failed (" + getMessage() + ")";
        }

        /** Core v30+ reason in the mempool (policy script checks). */
        String mempoolReason() {
            return "mempool-script-verify-flag-failed (" + getMessage() + ")";
        }
    }
}
