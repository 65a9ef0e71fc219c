package org.templar.pool.job;

import java.util.Arrays;
import org.templar.share.Hex;

/** A transaction output: value in satoshis and the locking script. */
public record TxOut(long valueSats, byte[] script) {
    public TxOut {
        if (valueSats < 0) {
            throw new IllegalArgumentException("negative output value " + valueSats);
        }
        script = script.clone();
    }

    @Override
    public byte[] script() {
        return script.clone();
    }

    int serializedSize() {
        return 8 + Bytes.varIntSize(script.length) + script.length;
    }

    void writeTo(Bytes.Writer w) {
        w.int64(valueSats);
        w.varInt(script.length);
        w.bytes(script);
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
