package org.templar.pool.sv2.jds;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.templar.payout.coinbase.TxOut;
import org.templar.share.CompactSize;

/**
 * A CompactSize-prefixed list of consensus-serialized transaction outputs: the form of
 * AllocateMiningJobToken.Success.coinbase_tx_outputs and SetCustomMiningJob.coinbase_tx_outputs.
 * Immutable; keeps the exact bytes it was read from, because Full-Template mode requires the same
 * outputs in the same order in the declaration and in SetCustomMiningJob.
 */
public final class CoinbaseOutputs {
    private final List<TxOut> outputs;
    private final byte[] serialized;

    private CoinbaseOutputs(List<TxOut> outputs, byte[] serialized) {
        this.outputs = List.copyOf(outputs);
        this.serialized = serialized;
    }

    public static CoinbaseOutputs of(List<TxOut> outputs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompactSize.write(out, outputs.size());
        for (TxOut o : outputs) {
            writeOutput(out, o);
        }
        return new CoinbaseOutputs(outputs, out.toByteArray());
    }

    /** Parses the whole of {@code bytes}; trailing bytes are an error. */
    public static CoinbaseOutputs parse(byte[] bytes) {
        TxReader r = new TxReader(bytes, 0);
        List<TxOut> outs = r.outputs();
        if (r.position() != bytes.length) {
            throw new IllegalArgumentException((bytes.length - r.position()) + " bytes after the outputs");
        }
        return new CoinbaseOutputs(outs, bytes.clone());
    }

    static CoinbaseOutputs fromParsed(List<TxOut> outputs, byte[] exactBytes) {
        return new CoinbaseOutputs(outputs, exactBytes);
    }

    public List<TxOut> outputs() {
        return outputs;
    }

    public byte[] serialized() {
        return serialized.clone();
    }

    /** Sum of all output values, in satoshis. */
    public long totalValue() {
        long sum = 0;
        for (TxOut o : outputs) {
            sum = Math.addExact(sum, o.valueSats());
        }
        return sum;
    }

    /** Sum of the outputs locked by {@code script} (the pool payout output; counted once if repeated). */
    public long valueTo(byte[] script) {
        long sum = 0;
        for (TxOut o : outputs) {
            if (Arrays.equals(o.script(), script)) {
                sum = Math.addExact(sum, o.valueSats());
            }
        }
        return sum;
    }

    /**
     * The first of {@code required} this coinbase does not pay, counted as a multiset of (amount,
     * script) in any order (extension 0x0003's rule), or empty when every one is paid.
     */
    public java.util.Optional<TxOut> firstUnpaid(List<TxOut> required) {
        List<TxOut> left = new java.util.ArrayList<>(outputs);
        for (TxOut r : required) {
            if (!left.remove(r)) {
                return java.util.Optional.of(r);
            }
        }
        return java.util.Optional.empty();
    }

    /** Whether one output is a BIP141 witness commitment (OP_RETURN 0x24 0xaa21a9ed ...). */
    public boolean hasWitnessCommitment() {
        for (TxOut o : outputs) {
            byte[] s = o.script();
            if (s.length >= 38 && s[0] == 0x6a && s[1] == 0x24 && s[2] == (byte) 0xaa && s[3] == 0x21
                    && s[4] == (byte) 0xa9 && s[5] == (byte) 0xed) {
                return true;
            }
        }
        return false;
    }


    static void writeOutput(ByteArrayOutputStream out, TxOut o) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (o.valueSats() >>> (8 * i)));
        }
        byte[] script = o.script();
        CompactSize.write(out, script.length);
        out.writeBytes(script);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CoinbaseOutputs c && Arrays.equals(c.serialized, serialized);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(serialized);
    }

    @Override
    public String toString() {
        return "CoinbaseOutputs" + outputs;
    }

    /** Little-endian consensus reader over a byte array; throws IllegalArgumentException on short input. */
    static final class TxReader {
        private final byte[] b;
        private int p;

        TxReader(byte[] b, int start) {
            this.b = b;
            this.p = start;
        }

        int position() {
            return p;
        }

        int remaining() {
            return b.length - p;
        }

        private void need(int n) {
            if (n < 0 || b.length - p < n) {
                throw new IllegalArgumentException("truncated: need " + n + " bytes at offset " + p);
            }
        }

        int u8() {
            need(1);
            return b[p++] & 0xff;
        }

        long u32() {
            need(4);
            long v = (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24;
            p += 4;
            return v;
        }

        long i64() {
            need(8);
            long v = 0;
            for (int i = 7; i >= 0; i--) {
                v = (v << 8) | (b[p + i] & 0xffL);
            }
            p += 8;
            return v;
        }

        long compactSize() {
            int first = u8();
            if (first < 0xfd) {
                return first;
            }
            if (first == 0xfd) {
                need(2);
                long v = (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8;
                p += 2;
                return v;
            }
            if (first == 0xfe) {
                return u32();
            }
            throw new IllegalArgumentException("compact size over 32 bits at offset " + (p - 1));
        }

        byte[] bytes(long n) {
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("length " + n + " too large");
            }
            need((int) n);
            byte[] out = Arrays.copyOfRange(b, p, p + (int) n);
            p += (int) n;
            return out;
        }

        List<TxOut> outputs() {
            long count = compactSize();
            if (count > remaining() / 9) {
                throw new IllegalArgumentException("output count " + count + " exceeds the data");
            }
            List<TxOut> outs = new ArrayList<>((int) count);
            for (long i = 0; i < count; i++) {
                long value = i64();
                if (value < 0 || value > 21_000_000L * 100_000_000L) {
                    throw new IllegalArgumentException("output " + i + " has an impossible value " + value);
                }
                outs.add(new TxOut(value, bytes(compactSize())));
            }
            return outs;
        }
    }
}
