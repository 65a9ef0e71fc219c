package org.templar.client.proxy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bitcoinj.core.Transaction;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.NewTemplate;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.RequestTransactionDataSuccess;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.SetNewPrevHash;
import org.templar.share.CoinbaseHeight;
import org.templar.share.MerkleBranch;
import org.templar.share.Sha256;

/**
 * Turns one Template Distribution template (NewTemplate, the SetNewPrevHash it is mined on, and its
 * RequestTransactionData.Success) into the {@link BlockTemplate} the proxy's jobs are built from, so
 * that the rest of the proxy (SV1 downstream, Job Declaration) needs no special case.
 *
 * <p>The proxy's coinbase is built by {@code CoinbaseBuilder} (or the declared-job maker): version 2, one
 * input with sequence ffffffff whose scriptSig starts with the BIP34 height push, the proxy's outputs
 * followed by the witness commitment as the last output, one 32-byte zero witness reserved value,
 * locktime 0. A template is accepted only if a coinbase of that shape is exactly what it asks for, and
 * only if its transactions agree with its merkle path (and with its witness commitment): otherwise a
 * solution submitted for it would make a block the provider's node refuses. Everything refused is
 * refused with an {@link IllegalArgumentException} saying why.
 */
public final class TdpTemplateAssembler {
    private static final byte[] WITNESS_COMMITMENT_HEADER = {0x6a, 0x24, (byte) 0xaa, 0x21, (byte) 0xa9, (byte) 0xed};
    /** The long-poll id field of a TDP-sourced template: "tdp:" and the template id (unsigned). */
    static final String ID_PREFIX = "tdp:";

    private TdpTemplateAssembler() {
    }

    /** The template id a TDP-sourced BlockTemplate came from, or empty for a node's template. */
    public static Optional<Long> templateId(BlockTemplate t) {
        if (!t.longPollId().startsWith(ID_PREFIX)) {
            return Optional.empty();
        }
        return Optional.of(Long.parseUnsignedLong(t.longPollId().substring(ID_PREFIX.length())));
    }

    public static BlockTemplate assemble(NewTemplate nt, SetNewPrevHash prev, RequestTransactionDataSuccess data) {
        if (nt.templateId() != data.templateId()) {
            throw new IllegalArgumentException("transaction data for template " + Long.toUnsignedString(data.templateId())
                    + " given for template " + Long.toUnsignedString(nt.templateId()));
        }
        String id = Long.toUnsignedString(nt.templateId());
        if (nt.coinbaseTxVersion() != 2 || nt.coinbaseTxInputSequence() != 0xFFFF_FFFFL || nt.coinbaseTxLocktime() != 0) {
            throw new IllegalArgumentException("template " + id + " wants a coinbase of version " + nt.coinbaseTxVersion()
                    + ", input sequence " + Long.toHexString(nt.coinbaseTxInputSequence()) + ", locktime "
                    + nt.coinbaseTxLocktime() + "; the proxy builds version 2, sequence ffffffff, locktime 0");
        }
        byte[] prefix = nt.coinbasePrefix().toArray();
        long height = CoinbaseHeight.decode(prefix);
        if (height < 0 || height > Integer.MAX_VALUE
                || !Arrays.equals(prefix, CoinbaseHeight.encodePush((int) height))) {
            throw new IllegalArgumentException("template " + id + ": coinbase_prefix " + nt.coinbasePrefix().toHex()
                    + " is not exactly a BIP34 height push");
        }
        Optional<byte[]> commitment = witnessCommitment(nt, id);
        byte[] excess = data.excessData().toArray();
        if (commitment.isPresent() && excess.length != 0 && !Arrays.equals(excess, new byte[32])) {
            throw new IllegalArgumentException("template " + id + ": witness reserved value " + data.excessData().toHex()
                    + " is not 32 zero bytes, the one the proxy's coinbase carries");
        }
        List<BlockTemplate.Tx> txs = new ArrayList<>(data.transactionList().size());
        for (int i = 0; i < data.transactionList().size(); i++) {
            byte[] raw = data.transactionList().get(i).toArray();
            Transaction tx;
            try {
                ByteBuffer buf = ByteBuffer.wrap(raw);
                tx = Transaction.read(buf);
                if (buf.hasRemaining()) {
                    throw new IllegalArgumentException(buf.remaining() + " bytes after the transaction");
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("template " + id + ": transaction " + i + " does not parse: "
                        + e.getMessage(), e);
            }
            // fees are not part of Template Distribution: coinbase_tx_value_remaining already holds them
            txs.add(new BlockTemplate.Tx(raw, tx.getTxId().getReversedBytes(), tx.getWTxId().getReversedBytes(), 0,
                    tx.getWeight()));
        }
        List<byte[]> txids = new ArrayList<>(txs.size());
        txs.forEach(t -> txids.add(t.txid()));
        MerkleBranch branch = MerkleBranch.forCoinbase(txids);
        boolean pathAgrees = branch.size() == nt.merklePath().size();
        for (int i = 0; pathAgrees && i < branch.size(); i++) {
            pathAgrees = Arrays.equals(branch.step(i), nt.merklePath().get(i).toArray());
        }
        if (!pathAgrees) {
            throw new IllegalArgumentException("template " + id + ": its " + txs.size()
                    + " transactions do not match its merkle_path of " + nt.merklePath().size() + " steps");
        }
        if (commitment.isPresent() && !Arrays.equals(commitment.get(), witnessCommitmentScript(txs))) {
            throw new IllegalArgumentException("template " + id
                    + ": its witness commitment does not commit to its transactions' wtxids");
        }
        byte[] prevHash = prev.prevHash().toArray();
        return new BlockTemplate((int) nt.version(), prevHash, txs, nt.coinbaseTxValueRemaining(), (int) prev.nBits(),
                (int) height, prev.headerTimestamp(), prev.headerTimestamp(), commitment, ID_PREFIX + id);
    }

    /**
     * The required outputs: none, or a single zero-value witness commitment (BlockTemplate places it
     * last in the coinbase, as the spec asks of the template's outputs). Anything else is refused.
     */
    private static Optional<byte[]> witnessCommitment(NewTemplate nt, String id) {
        byte[] outs = nt.coinbaseTxOutputs().toArray();
        if (nt.coinbaseTxOutputsCount() == 0) {
            if (outs.length != 0) {
                throw new IllegalArgumentException("template " + id + ": coinbase_tx_outputs holds " + outs.length
                        + " bytes for 0 outputs");
            }
            return Optional.empty();
        }
        if (nt.coinbaseTxOutputsCount() != 1 || outs.length < 9) {
            throw new IllegalArgumentException("template " + id + " requires " + nt.coinbaseTxOutputsCount()
                    + " coinbase outputs; the proxy supports only the witness commitment");
        }
        ByteBuffer b = ByteBuffer.wrap(outs).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long value = b.getLong();
        int len = b.get() & 0xff;
        if (len >= 0xfd || b.remaining() != len) {
            throw new IllegalArgumentException("template " + id + ": coinbase_tx_outputs is not one output");
        }
        byte[] script = new byte[len];
        b.get(script);
        if (value != 0 || script.length < 38
                || !Arrays.equals(Arrays.copyOf(script, WITNESS_COMMITMENT_HEADER.length), WITNESS_COMMITMENT_HEADER)) {
            throw new IllegalArgumentException("template " + id + " requires an output other than a witness commitment ("
                    + value + " sat to " + Bytes.of(script).toHex() + "); the proxy supports only the witness commitment");
        }
        return Optional.of(script);
    }

    /** BIP141: OP_RETURN aa21a9ed SHA256d(witness root || 32 zero bytes), the coinbase's wtxid counted as zero. */
    static byte[] witnessCommitmentScript(List<BlockTemplate.Tx> txs) {
        List<byte[]> wtxids = new ArrayList<>(txs.size() + 1);
        wtxids.add(new byte[32]);
        txs.forEach(t -> wtxids.add(t.wtxid()));
        byte[] preimage = Arrays.copyOf(MerkleBranch.root(wtxids), 64);
        byte[] script = Arrays.copyOf(WITNESS_COMMITMENT_HEADER, 38);
        System.arraycopy(Sha256.hashTwice(preimage), 0, script, 6, 32);
        return script;
    }
}
