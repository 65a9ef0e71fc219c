package org.templar.ops;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bitcoinj.core.Transaction;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;
import org.templar.share.BlockHeader;
import org.templar.share.CoinbaseHeight;
import org.templar.share.MerkleBranch;
import org.templar.share.Sha256;

/**
 * What a miner's Job Declaration client builds from its own template, done by hand in the tests:
 * the coinbase (BIP34 height, extranonce at the end of the scriptSig, the given outputs and the
 * BIP141 witness commitment over the chosen transactions), DeclareMiningJob's prefix/suffix and
 * wtxid_list, SetCustomMiningJob's fields, and share headers.
 */
public record DeclaredTemplate(int version, byte[] prevHash, int nbits, int height, int ntime, List<byte[]> txs,
        byte[] outputs, int extranonceSize) {

    /** An output: value and script. */
    public record Out(long sats, byte[] script) {}

    public static DeclaredTemplate of(BlockTemplate pool, List<byte[]> txs, List<Out> payouts, int extranonceSize) {
        List<byte[]> wtxids = new ArrayList<>();
        wtxids.add(new byte[32]); // the coinbase's wtxid counts as zero
        for (byte[] tx : txs) {
            wtxids.add(parse(tx).getWTxId().getReversedBytes());
        }
        byte[] witnessRoot = MerkleBranch.root(wtxids);
        byte[] commitment = Sha256.hashTwice(concat(witnessRoot, new byte[32]));
        byte[] commitmentScript = concat(new byte[] {0x6a, 0x24, (byte) 0xaa, 0x21, (byte) 0xa9, (byte) 0xed}, commitment);
        ByteArrayOutputStream outs = new ByteArrayOutputStream();
        outs.write(payouts.size() + 1);
        for (Out o : payouts) {
            writeOut(outs, o.sats(), o.script());
        }
        writeOut(outs, 0, commitmentScript);
        return new DeclaredTemplate(pool.version(), pool.previousBlockHash(), pool.bits(), pool.height(),
                (int) pool.curTime(), List.copyOf(txs), outs.toByteArray(), extranonceSize);
    }

    static Transaction parse(byte[] tx) {
        return Transaction.read(ByteBuffer.wrap(tx));
    }

    byte[] heightPush() {
        return CoinbaseHeight.encodePush(height);
    }

    /** DeclareMiningJob.coinbase_tx_prefix: witness form, up to the extranonce. */
    public Bytes declaredPrefix() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[] {2, 0, 0, 0, 0, 1, 1});
        p.writeBytes(new byte[32]);
        p.writeBytes(new byte[] {-1, -1, -1, -1});
        p.write(heightPush().length + extranonceSize);
        p.writeBytes(heightPush());
        return Bytes.of(p.toByteArray());
    }

    /** DeclareMiningJob.coinbase_tx_suffix: nSequence, outputs, the witness reserved value, lock time. */
    public Bytes declaredSuffix() {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(new byte[] {-1, -1, -1, -1});
        s.writeBytes(outputs);
        s.write(1);
        s.write(32);
        s.writeBytes(new byte[32]);
        s.writeBytes(new byte[4]);
        return Bytes.of(s.toByteArray());
    }

    public List<U256> wtxidList() {
        List<U256> out = new ArrayList<>();
        for (byte[] tx : txs) {
            out.add(U256.of(parse(tx).getWTxId().getReversedBytes()));
        }
        return out;
    }

    MerkleBranch branch() {
        List<byte[]> txids = new ArrayList<>();
        for (byte[] tx : txs) {
            txids.add(parse(tx).getTxId().getReversedBytes());
        }
        return MerkleBranch.forCoinbase(txids);
    }

    List<U256> merklePath() {
        List<U256> out = new ArrayList<>();
        for (byte[] step : branch().steps()) {
            out.add(U256.of(step));
        }
        return out;
    }

    Sv2Mining.SetCustomMiningJob customJob(long channelId, long requestId, Bytes token) {
        return customJob(channelId, requestId, token, outputs, merklePath());
    }

    Sv2Mining.SetCustomMiningJob customJob(long channelId, long requestId, Bytes token, byte[] outputBytes,
            List<U256> path) {
        return new Sv2Mining.SetCustomMiningJob(channelId, requestId, token, version & 0xffffffffL, U256.of(prevHash),
                ntime & 0xffffffffL, nbits & 0xffffffffL, 2, Bytes.of(heightPush()), 0xffffffffL, Bytes.of(outputBytes), 0,
                path);
    }

    /** The header a share on this job hashes, for the channel's whole extranonce. */
    byte[] header(byte[] extranonce, int nonce) {
        ByteArrayOutputStream cb = new ByteArrayOutputStream();
        cb.writeBytes(new byte[] {2, 0, 0, 0, 1});
        cb.writeBytes(new byte[32]);
        cb.writeBytes(new byte[] {-1, -1, -1, -1});
        cb.write(heightPush().length + extranonce.length);
        cb.writeBytes(heightPush());
        cb.writeBytes(extranonce);
        cb.writeBytes(new byte[] {-1, -1, -1, -1});
        cb.writeBytes(outputs);
        cb.writeBytes(new byte[4]);
        byte[] root = branch().rootFrom(Sha256.hashTwice(cb.toByteArray()));
        return BlockHeader.serialize(version, prevHash, root, ntime, nbits, nonce);
    }

    static void writeOut(ByteArrayOutputStream out, long sats, byte[] script) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (sats >>> (8 * i)));
        }
        out.write(script.length);
        out.writeBytes(script);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
