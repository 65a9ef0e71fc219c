package org.templar.pool.sv2.tdp;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bitcoinj.core.Transaction;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.NewTemplate;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.SetNewPrevHash;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.SubmitSolution;
import org.templar.pool.sv2.codec.U256;
import org.templar.share.CoinbaseHeight;
import org.templar.share.CompactSize;
import org.templar.share.MerkleBranch;
import org.templar.share.Sha256;
import org.templar.share.Target;

/**
 * One template as a Template Distribution client is given it: the node's template cut to leave room
 * for the outputs the client said it will add (CoinbaseOutputConstraints), the NewTemplate and
 * SetNewPrevHash messages that describe it, the transactions RequestTransactionData returns, and the
 * block a SubmitSolution makes of it.
 *
 * <p>Fitting: getblocktemplate leaves a fixed reserve of block weight for the coinbase. When the
 * client's coinbase could be bigger than that, transactions are dropped from the end of the
 * template's list until it fits. The node lists a transaction after every transaction it spends from,
 * so dropping a suffix never leaves a child without its parent. The fees of what was dropped leave
 * {@code coinbase_tx_value_remaining}, and the witness commitment is computed again for the
 * transactions that remain.
 */
public final class ProvidedTemplate {
    static final long MAX_BLOCK_WEIGHT = 4_000_000;
    /**
     * Weight of a coinbase before the client's outputs, taken at its largest: version, marker and
     * flag, one input with a 100-byte scriptSig, output count, witness commitment output, the
     * 32-byte witness reserved value and locktime; plus the 80-byte header and the transaction count.
     */
    static final long COINBASE_BASE_WEIGHT = 4 * (4 + 1 + 41 + 100 + 9 + 43 + 4 + 80 + 9) + (2 + 1 + 1 + 32);
    private static final byte[] WITNESS_COMMITMENT_HEADER = {0x6a, 0x24, (byte) 0xaa, 0x21, (byte) 0xa9, (byte) 0xed};

    private final long templateId;
    private final BlockTemplate source;
    private final List<BlockTemplate.Tx> transactions;
    private final long valueRemaining;
    private final byte[] witnessCommitmentScript;
    private final MerkleBranch merklePath;

    private ProvidedTemplate(long templateId, BlockTemplate source, List<BlockTemplate.Tx> transactions,
            long valueRemaining, byte[] witnessCommitmentScript) {
        this.templateId = templateId;
        this.source = source;
        this.transactions = List.copyOf(transactions);
        this.valueRemaining = valueRemaining;
        this.witnessCommitmentScript = witnessCommitmentScript;
        List<byte[]> txids = new ArrayList<>(transactions.size());
        transactions.forEach(t -> txids.add(t.txid()));
        this.merklePath = MerkleBranch.forCoinbase(txids);
    }

    /** Cuts {@code template} for a client that adds at most {@code additionalOutputBytes} of outputs. */
    public static ProvidedTemplate of(long templateId, BlockTemplate template, long additionalOutputBytes) {
        long budget = MAX_BLOCK_WEIGHT - COINBASE_BASE_WEIGHT - 4 * additionalOutputBytes;
        List<BlockTemplate.Tx> kept = new ArrayList<>(template.transactions());
        long weight = 0;
        for (BlockTemplate.Tx t : kept) {
            weight += t.weight() > 0 ? t.weight() : 4L * t.data().length;
        }
        long value = template.coinbaseValue();
        while (weight > budget && !kept.isEmpty()) {
            BlockTemplate.Tx dropped = kept.remove(kept.size() - 1);
            weight -= dropped.weight() > 0 ? dropped.weight() : 4L * dropped.data().length;
            value -= dropped.fee();
        }
        byte[] commitment = null;
        if (template.defaultWitnessCommitment().isPresent()) {
            commitment = kept.size() == template.transactions().size()
                    ? template.defaultWitnessCommitment().get()
                    : witnessCommitmentScript(kept);
        }
        return new ProvidedTemplate(templateId, template, kept, value, commitment);
    }

    /**
     * The BIP141 commitment output's script for {@code txs}: SHA256d(witness merkle root || reserved
     * value), the coinbase's wtxid counted as zero and the reserved value 32 zero bytes.
     */
    static byte[] witnessCommitmentScript(List<BlockTemplate.Tx> txs) {
        List<byte[]> wtxids = new ArrayList<>(txs.size() + 1);
        wtxids.add(new byte[32]);
        txs.forEach(t -> wtxids.add(t.wtxid()));
        byte[] root = MerkleBranch.root(wtxids);
        byte[] preimage = new byte[64];
        System.arraycopy(root, 0, preimage, 0, 32);
        byte[] commitment = Sha256.hashTwice(preimage);
        byte[] script = new byte[38];
        System.arraycopy(WITNESS_COMMITMENT_HEADER, 0, script, 0, 6);
        System.arraycopy(commitment, 0, script, 6, 32);
        return script;
    }

    public long templateId() {
        return templateId;
    }

    public BlockTemplate source() {
        return source;
    }

    public List<BlockTemplate.Tx> transactions() {
        return transactions;
    }

    public long valueRemaining() {
        return valueRemaining;
    }

    public NewTemplate newTemplate(boolean future) {
        byte[] outputs = new byte[0];
        int count = 0;
        if (witnessCommitmentScript != null) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(new byte[8]); // value 0
            o.write(witnessCommitmentScript.length);
            o.writeBytes(witnessCommitmentScript);
            outputs = o.toByteArray();
            count = 1;
        }
        List<U256> path = new ArrayList<>(merklePath.size());
        for (int i = 0; i < merklePath.size(); i++) {
            path.add(U256.of(merklePath.step(i)));
        }
        return new NewTemplate(templateId, future, source.version() & 0xFFFF_FFFFL, 2,
                Bytes.of(CoinbaseHeight.encodePush(source.height())), 0xFFFF_FFFFL, valueRemaining, count,
                Bytes.of(outputs), 0, path);
    }

    public SetNewPrevHash setNewPrevHash() {
        Target target = Target.fromCompact(source.bits());
        return new SetNewPrevHash(templateId, U256.of(source.previousBlockHash()),
                Math.max(source.curTime(), source.minTime()), source.bits() & 0xFFFF_FFFFL,
                U256.of(target.toLittleEndian()));
    }

    /**
     * The whole block for a solution, or null when the solution does not meet the network target (the
     * node would only refuse it; a provider MUST try to broadcast real blocks, not forward noise).
     *
     * @throws IllegalArgumentException when the coinbase is not a transaction
     */
    public byte[] blockFor(SubmitSolution solution) {
        byte[] coinbase = solution.coinbaseTx().toArray();
        byte[] coinbaseTxid = txid(coinbase);
        byte[] root = coinbaseTxid;
        for (int i = 0; i < merklePath.size(); i++) {
            root = Sha256.hashPair(root, merklePath.step(i));
        }
        ByteBuffer header = ByteBuffer.allocate(80).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        header.putInt((int) solution.version());
        header.put(source.previousBlockHash());
        header.put(root);
        header.putInt((int) solution.headerTimestamp());
        header.putInt(source.bits());
        header.putInt((int) solution.headerNonce());
        byte[] headerBytes = header.array();
        if (!Target.fromCompact(source.bits()).isMetBy(Sha256.hashTwice(headerBytes))) {
            return null;
        }
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.writeBytes(headerBytes);
        CompactSize.write(block, 1 + transactions.size());
        block.writeBytes(coinbase);
        transactions.forEach(t -> block.writeBytes(t.data()));
        return block.toByteArray();
    }

    /** The txid (internal byte order) of a serialized transaction, witness or not. */
    static byte[] txid(byte[] tx) {
        try {
            return Transaction.read(ByteBuffer.wrap(tx)).getTxId().getReversedBytes();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("coinbase_tx is not a transaction: " + e.getMessage(), e);
        }
    }

}
