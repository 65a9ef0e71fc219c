package org.templar.client.proxy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.templar.payout.coinbase.TxOut;
import org.templar.pool.node.BlockTemplate;
import org.templar.share.CoinbaseHeight;
import org.templar.share.MerkleBranch;
import org.templar.share.CompactSize;

/**
 * The coinbase of a job the miner declares to a pool (Job Declaration, 06 section 6.4): the pool's
 * outputs from AllocateMiningJobToken.Success with the whole template revenue in the first one (the
 * pool payout output), the template's witness commitment last, and a scriptSig that is exactly the
 * BIP34 height push followed by the full extranonce (the channel's extranonce prefix and the bytes the
 * miners roll), because that is how the pool rebuilds it from SetCustomMiningJob's coinbase_prefix.
 *
 * @param heightPush SetCustomMiningJob.coinbase_prefix (at most 8 bytes)
 * @param outputs every coinbase output in order: pool outputs, then the witness commitment
 * @param extranonceSize full extranonce length (channel prefix + rolled bytes)
 */
public record CustomJobCoinbase(BlockTemplate template, byte[] heightPush, List<TxOut> outputs, int extranonceSize) {
    public static final int TX_VERSION = 2;
    public static final int SEQUENCE = 0xffffffff;
    public static final int LOCKTIME = 0;

    public CustomJobCoinbase {
        outputs = List.copyOf(outputs);
        if (heightPush.length > 8) {
            throw new IllegalArgumentException("coinbase_prefix is at most 8 bytes");
        }
    }

    /**
     * Builds the coinbase for {@code template}: {@code poolOutputs} as the pool gave them (first = pool
     * payout output) with the template's whole coinbase value put in the first.
     */
    public static CustomJobCoinbase build(BlockTemplate template, List<TxOut> poolOutputs, int extranonceSize) {
        if (poolOutputs.isEmpty()) {
            throw new IllegalArgumentException("the pool gave no payout output");
        }
        if (extranonceSize < 1 || extranonceSize > 32) {
            throw new IllegalArgumentException("extranonce size must be 1..32, got " + extranonceSize);
        }
        List<TxOut> outs = new ArrayList<>();
        outs.add(new TxOut(template.coinbaseValue(), poolOutputs.get(0).script()));
        for (int i = 1; i < poolOutputs.size(); i++) {
            outs.add(poolOutputs.get(i));
        }
        template.defaultWitnessCommitment().ifPresent(c -> outs.add(new TxOut(0, c)));
        return new CustomJobCoinbase(template, CoinbaseHeight.encodePush(template.height()), outs, extranonceSize);
    }

    /** CompactSize count + consensus-serialized outputs (SetCustomMiningJob.coinbase_tx_outputs). */
    public byte[] serializedOutputs() {
        return serializeOutputs(outputs);
    }

    public static byte[] serializeOutputs(List<TxOut> outs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        varInt(b, outs.size());
        for (TxOut o : outs) {
            writeLong(b, o.valueSats());
            varInt(b, o.script().length);
            b.writeBytes(o.script());
        }
        return b.toByteArray();
    }

    /** Parses a CompactSize-prefixed list of consensus-serialized outputs; throws on any malformation. */
    public static List<TxOut> parseOutputs(byte[] data) {
        int[] pos = {0};
        long n = readVarInt(data, pos);
        if (n > data.length) {
            throw new IllegalArgumentException("output count " + n + " exceeds the data");
        }
        List<TxOut> outs = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            need(data, pos[0], 8);
            long value = 0;
            for (int k = 7; k >= 0; k--) {
                value = (value << 8) | (data[pos[0] + k] & 0xff);
            }
            pos[0] += 8;
            long len = readVarInt(data, pos);
            need(data, pos[0], len);
            byte[] script = java.util.Arrays.copyOfRange(data, pos[0], pos[0] + (int) len);
            pos[0] += (int) len;
            if (value < 0) {
                throw new IllegalArgumentException("negative output value");
            }
            outs.add(new TxOut(value, script));
        }
        if (pos[0] != data.length) {
            throw new IllegalArgumentException((data.length - pos[0]) + " bytes after the outputs");
        }
        return outs;
    }

    /** DeclareMiningJob.coinbase_tx_prefix: the serialized coinbase up to the extranonce, BIP141 marker kept. */
    public byte[] declarePrefix() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        writeInt(b, TX_VERSION);
        boolean segwit = template.defaultWitnessCommitment().isPresent();
        if (segwit) {
            b.write(0);
            b.write(1);
        }
        b.write(1); // one input
        b.writeBytes(new byte[32]);
        writeInt(b, 0xffffffff);
        varInt(b, heightPush.length + extranonceSize);
        b.writeBytes(heightPush);
        return b.toByteArray();
    }

    /** DeclareMiningJob.coinbase_tx_suffix: after the extranonce, with the witness reserved value. */
    public byte[] declareSuffix() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        writeInt(b, SEQUENCE);
        b.writeBytes(serializedOutputs());
        if (template.defaultWitnessCommitment().isPresent()) {
            b.write(1);
            b.write(32);
            b.writeBytes(new byte[32]);
        }
        writeInt(b, LOCKTIME);
        return b.toByteArray();
    }

    /** The coinbase without witness (what its txid is computed from) split around the extranonce. */
    public byte[] strippedPrefix() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        writeInt(b, TX_VERSION);
        b.write(1);
        b.writeBytes(new byte[32]);
        writeInt(b, 0xffffffff);
        varInt(b, heightPush.length + extranonceSize);
        b.writeBytes(heightPush);
        return b.toByteArray();
    }

    public byte[] strippedSuffix() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        writeInt(b, SEQUENCE);
        b.writeBytes(serializedOutputs());
        writeInt(b, LOCKTIME);
        return b.toByteArray();
    }

    /** Merkle path from the coinbase, deepest first (SetCustomMiningJob.merkle_path). */
    public List<byte[]> merklePath() {
        MerkleBranch branch = MerkleBranch.forCoinbase(template.txids());
        List<byte[]> out = new ArrayList<>(branch.size());
        for (int i = 0; i < branch.size(); i++) {
            out.add(branch.step(i));
        }
        return out;
    }

    /** The template's wtxids, coinbase excluded (DeclareMiningJob.wtxid_list). */
    public List<byte[]> wtxids() {
        List<byte[]> out = new ArrayList<>();
        template.transactions().forEach(t -> out.add(t.wtxid()));
        return out;
    }

    private static void need(byte[] d, int pos, long n) {
        if (pos + n > d.length) {
            throw new IllegalArgumentException("outputs truncated");
        }
    }

    private static long readVarInt(byte[] d, int[] pos) {
        need(d, pos[0], 1);
        int first = d[pos[0]++] & 0xff;
        int size = first < 0xfd ? 0 : first == 0xfd ? 2 : first == 0xfe ? 4 : 8;
        if (size == 0) {
            return first;
        }
        need(d, pos[0], size);
        long v = 0;
        for (int k = size - 1; k >= 0; k--) {
            v = (v << 8) | (d[pos[0] + k] & 0xff);
        }
        pos[0] += size;
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("CompactSize out of range");
        }
        return v;
    }

    static void varInt(ByteArrayOutputStream b, long v) {
        CompactSize.write(b, v);
    }

    static void writeInt(ByteArrayOutputStream b, int v) {
        for (int i = 0; i < 4; i++) {
            b.write(v >>> (8 * i));
        }
    }

    static void writeLong(ByteArrayOutputStream b, long v) {
        for (int i = 0; i < 8; i++) {
            b.write((int) (v >>> (8 * i)));
        }
    }
}
