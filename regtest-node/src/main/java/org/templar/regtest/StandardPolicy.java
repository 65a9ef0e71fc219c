package org.templar.regtest;

import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;
import org.bitcoinj.core.TransactionOutput;
import org.bitcoinj.script.Script;
import org.bitcoinj.script.ScriptChunk;
import org.bitcoinj.script.ScriptOpCodes;
import org.bitcoinj.script.ScriptPattern;

/**
 * The part of Core's IsStandardTx (policy/policy.cpp) regtest enforces by default
 * (fRequireStandard): version, weight, push-only scriptSigs of bounded size, standard output
 * scripts and the dust threshold at the default -dustrelayfee of 3000 sat/kvB. Consensus does not
 * care; sendrawtransaction does.
 */
final class StandardPolicy {
    static final int MAX_STANDARD_TX_WEIGHT = 400_000;
    static final int MAX_STANDARD_SCRIPTSIG_SIZE = 1650;
    static final long DUST_RELAY_FEE_PER_KVB = 3_000;

    private StandardPolicy() {}

    /** Returns Core's reason ("version", "tx-size", "scriptsig-size", "scriptsig-not-pushonly", "scriptpubkey", "dust") or null. */
    static String nonStandardReason(Transaction tx) {
        if (tx.getVersion() < 1 || tx.getVersion() > 3) {
            return "version";
        }
        if (tx.getWeight() > MAX_STANDARD_TX_WEIGHT) {
            return "tx-size";
        }
        for (TransactionInput in : tx.getInputs()) {
            if (in.getScriptBytes().length > MAX_STANDARD_SCRIPTSIG_SIZE) {
                return "scriptsig-size";
            }
            if (!isPushOnly(in.getScriptBytes())) {
                return "scriptsig-not-pushonly";
            }
        }
        for (TransactionOutput out : tx.getOutputs()) {
            if (!isStandardOutput(out.getScriptBytes())) {
                return "scriptpubkey";
            }
        }
        for (TransactionOutput out : tx.getOutputs()) {
            if (out.getValue().value < dustThreshold(out.getScriptBytes())) {
                return "dust";
            }
        }
        return null;
    }

    private static boolean isPushOnly(byte[] script) {
        try {
            for (ScriptChunk c : Script.parse(script).chunks()) {
                if (c.opcode > ScriptOpCodes.OP_16) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Solver's standard templates; OP_RETURN data of any size (Core v30+ default), unknown witness versions. */
    static boolean isStandardOutput(byte[] script) {
        if (RegtestChain.isOpReturn(script)) {
            return isPushOnly(java.util.Arrays.copyOfRange(script, 1, script.length));
        }
        if (isWitnessProgram(script)) {
            int version = script[0] == 0 ? 0 : (script[0] & 0xff) - 0x50;
            int len = script.length - 2;
            return version != 0 || len == 20 || len == 32;
        }
        try {
            Script s = Script.parse(script);
            return ScriptPattern.isP2PKH(s) || ScriptPattern.isP2SH(s) || ScriptPattern.isP2PK(s)
                    || (ScriptPattern.isSentToMultisig(s) && s.getPubKeys().size() <= 3);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** IsWitnessProgram: a version opcode (OP_0, OP_1..OP_16) and one direct push of 2..40 bytes. */
    static boolean isWitnessProgram(byte[] s) {
        if (s.length < 4 || s.length > 42) {
            return false;
        }
        int op = s[0] & 0xff;
        if (op != 0 && (op < 0x51 || op > 0x60)) {
            return false;
        }
        return (s[1] & 0xff) + 2 == s.length;
    }

    /** GetDustThreshold: the fee at 3 sat/vB to create this output and later spend it. */
    static long dustThreshold(byte[] script) {
        if (RegtestChain.isUnspendable(script)) {
            return 0;
        }
        int size = 8 + org.bitcoinj.base.VarInt.sizeOf(script.length) + script.length;
        if (isWitnessProgram(script)) {
            size += 32 + 4 + 1 + (107 / RegtestConsensus.WITNESS_SCALE_FACTOR) + 4;
        } else {
            size += 32 + 4 + 1 + 107 + 4;
        }
        return DUST_RELAY_FEE_PER_KVB * size / 1000;
    }
}
