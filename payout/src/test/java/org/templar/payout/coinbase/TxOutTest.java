package org.templar.payout.coinbase;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.templar.share.Hex;

class TxOutTest {
    @Test
    void serializesValueLittleEndianThenScriptWithItsLength() {
        // 50 BTC = 5_000_000_000 sat = 0x012a05f200 to a P2WPKH script (0014 + 20 bytes):
        // the layout of every coinbase output on regtest's first halving period.
        byte[] script = Hex.decode("0014" + "11".repeat(20));
        TxOut out = new TxOut(5_000_000_000L, script);
        byte[] expected = Hex.decode("00f2052a01000000" + "16" + "0014" + "11".repeat(20));
        assertArrayEquals(expected, out.serialize());
        assertEquals(8 + 1 + 22, out.serializedSize());
    }

    @Test
    void longScriptsTakeAThreeByteLength() {
        TxOut out = new TxOut(0, new byte[300]);
        byte[] bytes = out.serialize();
        assertEquals(8 + 3 + 300, bytes.length);
        assertEquals(out.serializedSize(), bytes.length);
        assertEquals((byte) 0xfd, bytes[8]);
        assertEquals((byte) 0x2c, bytes[9]);
        assertEquals((byte) 0x01, bytes[10]);
    }

    @Test
    void refusesValuesNoTransactionCanCarry() {
        assertThrows(IllegalArgumentException.class, () -> new TxOut(-1, new byte[] {0x51}));
        assertThrows(IllegalArgumentException.class, () -> new TxOut(TxOut.MAX_MONEY + 1, new byte[] {0x51}));
    }

    @Test
    void scriptIsCopiedInAndOut() {
        byte[] script = {0x51};
        TxOut out = new TxOut(1, script);
        script[0] = 0;
        assertEquals(0x51, out.script()[0]);
        out.script()[0] = 0;
        assertEquals(0x51, out.script()[0]);
    }
}
