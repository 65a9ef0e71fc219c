package org.templar.payout.coinbase;

import java.util.Arrays;
import org.templar.share.Hex;

/**
 * A transaction output: value in satoshis and the locking script.
 *
 * <p>It lives in the payout module because payout schemes decide the outputs of the coinbase and
 * must count their serialized size against {@code pool.max_coinbase_size}; pool-server only splices
 * the bytes into the coinbase.
 */
public record TxOut(long valueSats, byte[] script) {
    /** Bitcoin's limit on a single value (21 million BTC); a larger value is a bug upstream. */
    public static final long MAX_MONEY = 21_000_000L * 100_000_000L;

    public TxOut {
        if (valueSats < 0 || valueSats > MAX_MONEY) {
            throw new IllegalArgumentException("output value must be 0.." + MAX_MONEY + " sat: " + valueSats);
        }
        script = script.clone();
    }

    @Override
    public byte[] script() {
        return script.clone();
    }

    /** Bytes this output takes in a transaction: value(8) | varint script length | script. */
    public int serializedSize() {
        return serializedSize(script.length);
    }

    /** Serialized size of an output whose script has {@code scriptLength} bytes. */
    public static int serializedSize(int scriptLength) {
        return 8 + varIntSize(scriptLength) + scriptLength;
    }

    /** The output as it appears in a transaction: value little-endian, script length varint, script. */
    public byte[] serialize() {
        byte[] out = new byte[serializedSize()];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (valueSats >>> (8 * i));
        }
        int p = 8;
        int n = script.length;
        if (n < 0xfd) {
            out[p++] = (byte) n;
        } else if (n <= 0xffff) {
            out[p++] = (byte) 0xfd;
            out[p++] = (byte) n;
            out[p++] = (byte) (n >>> 8);
        } else {
            out[p++] = (byte) 0xfe;
            for (int i = 0; i < 4; i++) {
                out[p++] = (byte) (n >>> (8 * i));
            }
        }
        System.arraycopy(script, 0, out, p, n);
        return out;
    }

    static int varIntSize(long n) {
        return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffffL ? 5 : 9;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TxOut t && t.valueSats == valueSats && Arrays.equals(t.script, script);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(valueSats) * 31 + Arrays.hashCode(script);
    }

    @Override
    public String toString() {
        return "TxOut[" + valueSats + " sat -> " + Hex.encode(script) + "]";
    }
}
