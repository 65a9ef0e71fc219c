package org.templar.client.proxy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;
import org.bitcoinj.core.TransactionOutput;
import org.templar.pool.node.BlockTemplate;
import org.templar.share.Hex;
import org.templar.share.MerkleBranch;
import org.templar.share.Sha256;

/**
 * The miner's own transaction policy, applied to each template its node gives: transactions with a
 * listed txid, paying to a listed output script, or paying less than a minimum fee rate are left out,
 * and the rest are kept in the node's order while they fit under a maximum block weight. A transaction
 * that spends an output of a left-out transaction is left out too (the block would be invalid
 * otherwise). The coinbase value loses the fees of what was left out and the witness commitment is
 * recomputed from the wtxids that remain.
 *
 * @param excludedTxids txids in display hex (as `bitcoin-cli` shows them), lower case
 * @param excludedScripts output scripts in hex, lower case
 * @param minFeeRate satoshis per virtual byte a transaction must pay by itself (0: no minimum)
 * @param maxBlockWeight weight of the whole block (0: the node's choice); {@link #RESERVED_WEIGHT} of it
 *     is kept for the header and the coinbase, as Bitcoin Core does
 */
public record TxPolicy(Set<String> excludedTxids, Set<String> excludedScripts, double minFeeRate, int maxBlockWeight)
        implements UnaryOperator<BlockTemplate> {
    /** Weight kept for the header, the transaction count and the coinbase. */
    public static final int RESERVED_WEIGHT = 4_000;

    /** Consensus limit. */
    public static final int MAX_CONSENSUS_WEIGHT = 4_000_000;

    private static final byte[] COMMITMENT_HEADER = Hex.decode("6a24aa21a9ed");

    public TxPolicy {
        excludedTxids = normalize(excludedTxids, 32, "txid");
        excludedScripts = normalize(excludedScripts, -1, "output script");
        if (!(minFeeRate >= 0) || Double.isInfinite(minFeeRate)) {
            throw new IllegalArgumentException("minimum fee rate must be >= 0 sat/vB, got " + minFeeRate);
        }
        if (maxBlockWeight != 0 && (maxBlockWeight <= RESERVED_WEIGHT || maxBlockWeight > MAX_CONSENSUS_WEIGHT)) {
            throw new IllegalArgumentException("maximum block weight must be 0 (the node's choice) or "
                    + (RESERVED_WEIGHT + 1) + ".." + MAX_CONSENSUS_WEIGHT + ", got " + maxBlockWeight);
        }
    }

    /** The node's template as it is. */
    public static TxPolicy none() {
        return new TxPolicy(Set.of(), Set.of(), 0, 0);
    }

    public boolean isNone() {
        return excludedTxids.isEmpty() && excludedScripts.isEmpty() && minFeeRate == 0 && maxBlockWeight == 0;
    }

    private static Set<String> normalize(Set<String> values, int bytes, String what) {
        Set<String> out = new HashSet<>();
        for (String v : values) {
            String h = v.trim().toLowerCase(Locale.ROOT);
            if (h.isEmpty() || h.length() % 2 != 0 || !Hex.isHex(h, h.length() / 2)
                    || (bytes > 0 && h.length() != 2 * bytes)) {
                throw new IllegalArgumentException("not a " + what + " in hex: '" + v + "'");
            }
            out.add(h);
        }
        return Set.copyOf(out);
    }

    @Override
    public BlockTemplate apply(BlockTemplate t) {
        if (isNone()) {
            return t;
        }
        long budget = maxBlockWeight == 0 ? Long.MAX_VALUE : maxBlockWeight - RESERVED_WEIGHT;
        Set<Sha256Hash> dropped = new HashSet<>();
        List<BlockTemplate.Tx> kept = new ArrayList<>();
        long droppedFees = 0;
        long weight = 0;
        for (BlockTemplate.Tx tx : t.transactions()) {
            Transaction parsed = Transaction.read(ByteBuffer.wrap(tx.data()));
            int txWeight = tx.weight() > 0 ? tx.weight() : parsed.getWeight();
            if (!keep(tx, parsed, txWeight, dropped) || weight + txWeight > budget) {
                dropped.add(parsed.getTxId());
                droppedFees += tx.fee();
                continue;
            }
            kept.add(tx);
            weight += txWeight;
        }
        if (kept.size() == t.transactions().size()) {
            return t;
        }
        return new BlockTemplate(t.version(), t.previousBlockHash(), kept, t.coinbaseValue() - droppedFees, t.bits(),
                t.height(), t.curTime(), t.minTime(), Optional.of(witnessCommitment(kept)), t.longPollId());
    }

    private boolean keep(BlockTemplate.Tx tx, Transaction parsed, int txWeight, Set<Sha256Hash> dropped) {
        if (excludedTxids.contains(Hex.encode(Hex.reverse(tx.txid())))) {
            return false;
        }
        for (TransactionInput in : parsed.getInputs()) {
            if (dropped.contains(in.getOutpoint().hash())) {
                return false; // spends an output of a transaction left out
            }
        }
        for (TransactionOutput out : parsed.getOutputs()) {
            if (excludedScripts.contains(Hex.encode(out.getScriptBytes()))) {
                return false;
            }
        }
        if (minFeeRate > 0) {
            double vsize = Math.ceil(txWeight / 4.0);
            if (tx.fee() < minFeeRate * vsize) {
                return false;
            }
        }
        return true;
    }

    /**
     * BIP141 commitment output script: OP_RETURN, push 36, 0xaa21a9ed, SHA256d(witness root || 32 zero
     * bytes), the witness root being the merkle root of the wtxids with the coinbase's as 32 zero bytes.
     */
    static byte[] witnessCommitment(List<BlockTemplate.Tx> txs) {
        List<byte[]> wtxids = new ArrayList<>(txs.size() + 1);
        wtxids.add(new byte[32]);
        txs.forEach(tx -> wtxids.add(tx.wtxid()));
        byte[] root = MerkleBranch.root(wtxids);
        byte[] commitment = Sha256.hashTwice(concat(root, new byte[32]));
        return concat(COMMITMENT_HEADER, commitment);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
