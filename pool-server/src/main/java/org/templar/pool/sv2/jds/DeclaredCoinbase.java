package org.templar.pool.sv2.jds;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.templar.pool.job.CoinbaseBuilder;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.share.CoinbaseHeight;
import org.templar.share.CompactSize;

/**
 * A coinbase transaction a miner declared, split around its extranonce, with its parts parsed:
 * either DeclareMiningJob's coinbase_tx_prefix/suffix (which keep the BIP141 marker, flag and witness,
 * spec 6.4.4) or SetCustomMiningJob's fields. Immutable.
 *
 * <p>Where the extranonce sits: SetCustomMiningJob can only describe a coinbase whose scriptSig is
 * {@code coinbase_prefix || extranonce}, so a declared coinbase must end its scriptSig with the
 * extranonce too: the suffix starts with the input's nSequence. That makes the split unambiguous
 * (extranonce size = scriptSig length - scriptSig bytes in the prefix); the reference JDC builds its
 * coinbase the same way.
 *
 * <p>The witness reserved value must be 32 zero bytes (what every template provider uses): the pool
 * rebuilds the witness when it assembles a solved block, and a non-zero value would change nothing a
 * miner gains but would have to be carried through SetCustomMiningJob, which cannot carry it.
 */
public final class DeclaredCoinbase {
    /** PushSolution carries the extranonce as B0_32. */
    public static final int MAX_EXTRANONCE = 32;

    private final long version;
    private final boolean segwit;
    private final byte[] scriptSigPrefix;
    private final int extranonceSize;
    private final long sequence;
    private final CoinbaseOutputs outputs;
    private final long locktime;

    private DeclaredCoinbase(long version, boolean segwit, byte[] scriptSigPrefix, int extranonceSize, long sequence,
            CoinbaseOutputs outputs, long locktime) {
        this.version = version;
        this.segwit = segwit;
        this.scriptSigPrefix = scriptSigPrefix;
        this.extranonceSize = extranonceSize;
        this.sequence = sequence;
        this.outputs = outputs;
        this.locktime = locktime;
    }

    /** Thrown for a coinbase that is malformed or breaks a rule; names the spec field at fault. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        private final String field;

        Invalid(String field, String message) {
            super(message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /** Parses DeclareMiningJob.coinbase_tx_prefix / coinbase_tx_suffix. */
    public static DeclaredCoinbase parseDeclared(byte[] prefix, byte[] suffix) throws Invalid {
        long version;
        boolean segwit;
        byte[] scriptSigPrefix;
        int extranonceSize;
        try {
            CoinbaseOutputs.TxReader r = new CoinbaseOutputs.TxReader(prefix, 0);
            version = r.u32();
            segwit = r.remaining() >= 2 && prefix[4] == 0 && prefix[5] == 1;
            if (segwit) {
                r.u8();
                r.u8();
            }
            long inputs = r.compactSize();
            if (inputs != 1) {
                throw new Invalid("coinbase_tx_prefix", "a coinbase has exactly one input, this one has " + inputs);
            }
            byte[] prevout = r.bytes(36);
            for (int i = 0; i < 32; i++) {
                if (prevout[i] != 0) {
                    throw new Invalid("coinbase_tx_prefix", "the input does not spend the null outpoint");
                }
            }
            for (int i = 32; i < 36; i++) {
                if (prevout[i] != (byte) 0xff) {
                    throw new Invalid("coinbase_tx_prefix", "the input does not spend the null outpoint");
                }
            }
            long scriptSigLength = r.compactSize();
            scriptSigPrefix = r.bytes(r.remaining());
            long size = scriptSigLength - scriptSigPrefix.length;
            if (size < 0 || size > MAX_EXTRANONCE) {
                throw new Invalid("coinbase_tx_prefix", "the scriptSig must end with an extranonce of 0.." + MAX_EXTRANONCE
                        + " bytes right before the suffix; it leaves " + size);
            }
            extranonceSize = (int) size;
            if (scriptSigLength < 2 || scriptSigLength > CoinbaseBuilder.MAX_SCRIPT_SIG) {
                throw new Invalid("coinbase_tx_prefix", "scriptSig of " + scriptSigLength + " bytes (Core takes 2..100)");
            }
        } catch (IllegalArgumentException e) {
            throw new Invalid("coinbase_tx_prefix", "malformed: " + e.getMessage());
        }
        try {
            CoinbaseOutputs.TxReader r = new CoinbaseOutputs.TxReader(suffix, 0);
            long sequence = r.u32();
            int outputsStart = r.position();
            var outs = r.outputs();
            CoinbaseOutputs outputs = CoinbaseOutputs.fromParsed(outs, Arrays.copyOfRange(suffix, outputsStart, r.position()));
            if (segwit) {
                long items = r.compactSize();
                long length = items == 1 ? r.compactSize() : -1;
                byte[] reserved = length == 32 ? r.bytes(32) : null;
                if (reserved == null || !Arrays.equals(reserved, new byte[32])) {
                    throw new Invalid("coinbase_tx_suffix", "the coinbase witness must be one 32-byte zero reserved value");
                }
            }
            long locktime = r.u32();
            if (r.remaining() != 0) {
                throw new Invalid("coinbase_tx_suffix", r.remaining() + " bytes after the lock time");
            }
            return new DeclaredCoinbase(version, segwit, scriptSigPrefix, extranonceSize, sequence, outputs, locktime);
        } catch (IllegalArgumentException e) {
            throw new Invalid("coinbase_tx_suffix", "malformed: " + e.getMessage());
        }
    }

    /** The coinbase a SetCustomMiningJob describes, for a channel whose full extranonce has {@code extranonceSize} bytes. */
    public static DeclaredCoinbase fromCustomJob(Sv2Mining.SetCustomMiningJob j, int extranonceSize) throws Invalid {
        CoinbaseOutputs outputs;
        try {
            outputs = CoinbaseOutputs.parse(j.coinbaseTxOutputs().toArray());
        } catch (IllegalArgumentException e) {
            throw new Invalid("coinbase_tx_outputs", "malformed: " + e.getMessage());
        }
        byte[] prefix = j.coinbasePrefix().toArray();
        if (prefix.length + extranonceSize > CoinbaseBuilder.MAX_SCRIPT_SIG) {
            throw new Invalid("coinbase_prefix", "scriptSig of " + (prefix.length + extranonceSize) + " bytes (Core takes up to 100)");
        }
        return new DeclaredCoinbase(j.coinbaseTxVersion(), outputs.hasWitnessCommitment(), prefix, extranonceSize,
                j.coinbaseTxInputNSequence(), outputs, j.coinbaseTxLocktime());
    }

    /** The BIP34 height the scriptSig begins with, or -1 when it does not begin with a minimal height push. */
    public long height() {
        return CoinbaseHeight.decode(scriptSigPrefix);
    }

    public long version() {
        return version;
    }

    public boolean segwit() {
        return segwit;
    }

    public byte[] scriptSigPrefix() {
        return scriptSigPrefix.clone();
    }

    public int extranonceSize() {
        return extranonceSize;
    }

    public long sequence() {
        return sequence;
    }

    public CoinbaseOutputs outputs() {
        return outputs;
    }

    public long locktime() {
        return locktime;
    }

    /** The halves miners hash (txid form: no witness), as the share path's job needs them. */
    public CoinbaseBuilder.Halves halves() {
        ByteArrayOutputStream prefix = new ByteArrayOutputStream();
        writeU32(prefix, version);
        prefix.write(1);
        prefix.writeBytes(new byte[32]);
        writeU32(prefix, 0xffffffffL);
        CompactSize.write(prefix, scriptSigPrefix.length + extranonceSize);
        prefix.writeBytes(scriptSigPrefix);
        ByteArrayOutputStream suffix = new ByteArrayOutputStream();
        writeU32(suffix, sequence);
        suffix.writeBytes(outputs.serialized());
        writeU32(suffix, locktime);
        return new CoinbaseBuilder.Halves(prefix.toByteArray(), suffix.toByteArray(), extranonceSize, segwit);
    }

    /**
     * The first field in which {@code other} (a SetCustomMiningJob's coinbase) differs from this
     * declared one, by its SetCustomMiningJob field name, or null when they describe the same coinbase.
     */
    public String firstDifference(DeclaredCoinbase other) {
        if (version != other.version) {
            return "coinbase_tx_version";
        }
        if (!Arrays.equals(scriptSigPrefix, other.scriptSigPrefix)) {
            return "coinbase_prefix";
        }
        if (extranonceSize != other.extranonceSize) {
            return "extranonce_size";
        }
        if (sequence != other.sequence) {
            return "coinbase_tx_input_nSequence";
        }
        if (!outputs.equals(other.outputs)) {
            return "coinbase_tx_outputs";
        }
        if (locktime != other.locktime) {
            return "coinbase_tx_locktime";
        }
        return null;
    }

    static void writeU32(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }
}
