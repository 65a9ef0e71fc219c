package org.templar.regtest;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;
import org.bitcoinj.core.TransactionOutput;
import org.bitcoinj.core.TransactionWitness;
import org.bitcoinj.script.ScriptBuilder;

/**
 * Core's stateless and parent-contextual block checks (validation.cpp CheckBlock,
 * ContextualCheckBlockHeader, ContextualCheckBlock; consensus/tx_check.cpp CheckTransaction), in
 * Core's order so that a block with several faults gets the reason Core would give first.
 */
public final class BlockRules {
    private BlockRules() {}

    /** CheckBlockHeader: the hash must meet the target encoded by nBits, which must be sane and within powLimit. */
    public static void checkProofOfWork(RawBlock block) throws BlockRejected {
        if (!proofOfWorkValid(block.hash().getReversedBytes(), block.bits())) {
            throw BlockRejected.consensus("high-hash", "proof of work failed");
        }
    }

    static boolean proofOfWorkValid(byte[] hashInternal, int bits) {
        return CompactBits.proofOfWorkValid(hashInternal, bits, RegtestConsensus.POW_LIMIT);
    }

    /** CheckBlock (checkPow as asked; proposals skip it like TestBlockValidity does). */
    public static void checkBlock(RawBlock block, boolean checkPow) throws BlockRejected {
        if (checkPow) {
            checkProofOfWork(block);
        }
        List<Transaction> txs = block.transactions();
        if (!txs.isEmpty()) {
            if (!Arrays.equals(RawBlock.merkleRoot(txs), block.merkleRootInternal())) {
                throw BlockRejected.mutated("bad-txnmrklroot", "hashMerkleRoot mismatch");
            }
            if (RawBlock.merkleMutated(txs)) {
                throw BlockRejected.mutated("bad-txns-duplicate", "duplicate transaction");
            }
        }
        if (txs.isEmpty() || txs.size() * RegtestConsensus.WITNESS_SCALE_FACTOR > RegtestConsensus.MAX_BLOCK_WEIGHT
                || block.strippedSize() * RegtestConsensus.WITNESS_SCALE_FACTOR > RegtestConsensus.MAX_BLOCK_WEIGHT) {
            throw BlockRejected.consensus("bad-blk-length", "size limits failed");
        }
        if (!txs.get(0).isCoinBase()) {
            throw BlockRejected.consensus("bad-cb-missing", "first tx is not coinbase");
        }
        for (int i = 1; i < txs.size(); i++) {
            if (txs.get(i).isCoinBase()) {
                throw BlockRejected.consensus("bad-cb-multiple", "more than one coinbase");
            }
        }
        for (Transaction tx : txs) {
            try {
                checkTransaction(tx);
            } catch (TxRejected e) {
                throw BlockRejected.consensus(e.reason(), "Transaction check failed (tx hash " + tx.getTxId() + ")");
            }
        }
        int sigops = 0;
        for (Transaction tx : txs) {
            sigops += legacySigOps(tx);
        }
        if (sigops * RegtestConsensus.WITNESS_SCALE_FACTOR > RegtestConsensus.MAX_BLOCK_SIGOPS_COST) {
            throw BlockRejected.consensus("bad-blk-sigops", "out-of-bounds SigOpCount");
        }
    }

    /** consensus/tx_check.cpp CheckTransaction. */
    public static void checkTransaction(Transaction tx) throws TxRejected {
        int code = TxRejected.RPC_TRANSACTION_REJECTED;
        if (tx.getInputs().isEmpty()) {
            throw new TxRejected(code, "bad-txns-vin-empty", null);
        }
        if (tx.getOutputs().isEmpty()) {
            throw new TxRejected(code, "bad-txns-vout-empty", null);
        }
        if (RawBlock.strippedSize(tx) * RegtestConsensus.WITNESS_SCALE_FACTOR > RegtestConsensus.MAX_BLOCK_WEIGHT) {
            throw new TxRejected(code, "bad-txns-oversize", null);
        }
        long total = 0;
        for (TransactionOutput out : tx.getOutputs()) {
            long v = out.getValue().value;
            if (v < 0) {
                throw new TxRejected(code, "bad-txns-vout-negative", null);
            }
            if (v > RegtestConsensus.MAX_MONEY) {
                throw new TxRejected(code, "bad-txns-vout-toolarge", null);
            }
            total += v;
            if (total > RegtestConsensus.MAX_MONEY) {
                throw new TxRejected(code, "bad-txns-txouttotal-toolarge", null);
            }
        }
        Set<OutPointKey> seen = new HashSet<>();
        for (TransactionInput in : tx.getInputs()) {
            if (!seen.add(OutPointKey.of(in.getOutpoint()))) {
                throw new TxRejected(code, "bad-txns-inputs-duplicate", null);
            }
        }
        if (tx.isCoinBase()) {
            int len = tx.getInput(0).getScriptBytes().length;
            if (len < 2 || len > 100) {
                throw new TxRejected(code, "bad-cb-length", null);
            }
        } else {
            for (TransactionInput in : tx.getInputs()) {
                if (in.isCoinBase()) {
                    throw new TxRejected(code, "bad-txns-prevout-null", null);
                }
            }
        }
    }

    /** GetLegacySigOpCount: inaccurate counts over scriptSigs and scriptPubKeys. */
    public static int legacySigOps(Transaction tx) {
        int n = 0;
        for (TransactionInput in : tx.getInputs()) {
            n += safeSigOps(in.getScriptBytes());
        }
        for (TransactionOutput out : tx.getOutputs()) {
            n += safeSigOps(out.getScriptBytes());
        }
        return n;
    }

    private static int safeSigOps(byte[] script) {
        try {
            return org.bitcoinj.script.Script.getSigOpCount(script);
        } catch (RuntimeException e) {
            return 0; // Core stops counting at an unparsable opcode
        }
    }

    /** ContextualCheckBlockHeader against the parent. */
    public static void contextualCheckHeader(RawBlock block, BlockRecord prev, long adjustedNow, boolean checkTooNew)
            throws BlockRejected {
        if (block.bits() != RegtestConsensus.POW_LIMIT_BITS) {
            throw BlockRejected.consensus("bad-diffbits", "incorrect proof of work");
        }
        if (block.time() <= prev.medianTimePast()) {
            throw BlockRejected.consensus("time-too-old", "block's timestamp is too early");
        }
        if (checkTooNew && block.time() > adjustedNow + RegtestConsensus.MAX_FUTURE_BLOCK_TIME) {
            throw BlockRejected.consensus("time-too-new", "block timestamp too far in the future");
        }
        int height = prev.height() + 1;
        int v = block.version();
        if ((v < 2 && height >= RegtestConsensus.BIP34_HEIGHT) || (v < 3 && height >= RegtestConsensus.BIP66_HEIGHT)
                || (v < 4 && height >= RegtestConsensus.BIP65_HEIGHT)) {
            throw BlockRejected.consensus(String.format("bad-version(0x%08x)", v), "rejected nVersion=0x" + Integer.toHexString(v) + " block");
        }
    }

    /** ContextualCheckBlock against the parent: finality, BIP34, BIP141 commitment, weight. */
    public static void contextualCheckBlock(RawBlock block, BlockRecord prev) throws BlockRejected {
        int height = prev.height() + 1;
        long lockTimeCutoff = prev.medianTimePast(); // BIP113 (CSV active on regtest)
        for (Transaction tx : block.transactions()) {
            if (!isFinal(tx, height, lockTimeCutoff)) {
                throw BlockRejected.consensus("bad-txns-nonfinal", "non-final transaction");
            }
        }
        if (height >= RegtestConsensus.BIP34_HEIGHT) {
            byte[] expect = heightPush(height);
            byte[] sig = block.transactions().get(0).getInput(0).getScriptBytes();
            if (sig.length < expect.length || !Arrays.equals(expect, 0, expect.length, sig, 0, expect.length)) {
                throw BlockRejected.consensus("bad-cb-height", "block height mismatch in coinbase");
            }
        }
        boolean haveWitness = false;
        Transaction coinbase = block.transactions().get(0);
        int commitPos = witnessCommitmentIndex(coinbase);
        if (commitPos >= 0) {
            TransactionWitness w = coinbase.getInput(0).getWitness();
            if (w.getPushCount() != 1 || w.getPush(0).length != 32) {
                throw BlockRejected.mutated("bad-witness-nonce-size", "CheckWitnessMalleation : invalid witness reserved value size");
            }
            byte[] root = RawBlock.witnessMerkleRoot(block.transactions());
            byte[] commitment = Sha256Hash.hashTwice(root, w.getPush(0));
            byte[] script = coinbase.getOutput(commitPos).getScriptBytes();
            if (!Arrays.equals(commitment, 0, 32, script, 6, 38)) {
                throw BlockRejected.mutated("bad-witness-merkle-match", "CheckWitnessMalleation : witness merkle commitment mismatch");
            }
            haveWitness = true;
        }
        if (!haveWitness) {
            for (Transaction tx : block.transactions()) {
                if (tx.hasWitnesses()) {
                    throw BlockRejected.mutated("unexpected-witness", "CheckWitnessMalleation : unexpected witness data found");
                }
            }
        }
        if (block.weight() > RegtestConsensus.MAX_BLOCK_WEIGHT) {
            throw BlockRejected.consensus("bad-blk-weight", "ContextualCheckBlock : weight limit failed");
        }
    }

    /**
     * BIP34's expected scriptSig prefix, {@code CScript() << nHeight} in Core: OP_0 for 0, OP_1..OP_16
     * for 1..16, else a push of the minimal CScriptNum. Encoded by bitcoinj's script builder, which
     * follows the same rule, so the pool's own encoder is never the judge of itself.
     */
    static byte[] heightPush(int height) {
        return new ScriptBuilder().number(height).build().program();
    }

    /** IsFinalTx. */
    public static boolean isFinal(Transaction tx, int height, long timeCutoff) {
        long lockTime = tx.getLockTime();
        if (lockTime == 0) {
            return true;
        }
        long limit = lockTime < Transaction.LOCKTIME_THRESHOLD ? height : timeCutoff;
        if (lockTime < limit) {
            return true;
        }
        for (TransactionInput in : tx.getInputs()) {
            if (in.getSequenceNumber() != TransactionInput.NO_SEQUENCE) {
                return false;
            }
        }
        return true;
    }

    /** GetWitnessCommitmentIndex: the LAST output that looks like OP_RETURN 0x24 aa21a9ed + 32 bytes, or -1. */
    public static int witnessCommitmentIndex(Transaction coinbase) {
        int pos = -1;
        List<TransactionOutput> outs = coinbase.getOutputs();
        for (int i = 0; i < outs.size(); i++) {
            byte[] s = outs.get(i).getScriptBytes();
            if (s.length >= 38 && (s[0] & 0xff) == 0x6a && s[1] == 0x24 && (s[2] & 0xff) == 0xaa && (s[3] & 0xff) == 0x21
                    && (s[4] & 0xff) == 0xa9 && (s[5] & 0xff) == 0xed) {
                pos = i;
            }
        }
        return pos;
    }

    /** The commitment output script for a list of block transactions (coinbase first), with the all-zero reserved value. */
    public static byte[] witnessCommitmentScript(List<Transaction> txs) {
        byte[] root = RawBlock.witnessMerkleRoot(txs);
        byte[] commitment = Sha256Hash.hashTwice(root, new byte[32]);
        byte[] script = new byte[38];
        script[0] = 0x6a;
        script[1] = 0x24;
        script[2] = (byte) 0xaa;
        script[3] = 0x21;
        script[4] = (byte) 0xa9;
        script[5] = (byte) 0xed;
        System.arraycopy(commitment, 0, script, 6, 32);
        return script;
    }
}
