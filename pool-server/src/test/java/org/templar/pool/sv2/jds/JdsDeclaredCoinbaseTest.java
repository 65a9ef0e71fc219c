package org.templar.pool.sv2.jds;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.templar.pool.job.CoinbaseBuilder;
import org.templar.payout.coinbase.TxOut;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;
import org.templar.share.CoinbaseHeight;

/**
 * Parsing a declared coinbase (DeclareMiningJob's prefix and suffix, BIP141 fields kept) and matching
 * it with the coinbase a SetCustomMiningJob describes.
 */
class JdsDeclaredCoinbaseTest {
    private static final byte[] POOL = hex("0014" + "22".repeat(20));
    private static final byte[] COMMITMENT = hex("6a24aa21a9ed" + "33".repeat(32));
    private static final int HEIGHT = 840_000;
    private static final int EXTRANONCE = 8;

    private static byte[] hex(String h) {
        return Bytes.fromHex(h).toArray();
    }

    private static CoinbaseOutputs outputs() {
        return CoinbaseOutputs.of(List.of(new TxOut(312_500_000L, POOL), new TxOut(0, COMMITMENT)));
    }

    /** The witness-form prefix up to the extranonce. */
    private static byte[] prefix(int inputs, byte prevoutByte) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[] {2, 0, 0, 0, 0, 1, (byte) inputs});
        byte[] prevout = new byte[36];
        java.util.Arrays.fill(prevout, 0, 32, prevoutByte);
        java.util.Arrays.fill(prevout, 32, 36, (byte) 0xff);
        p.writeBytes(prevout);
        byte[] height = CoinbaseHeight.encodePush(HEIGHT);
        p.write(height.length + EXTRANONCE);
        p.writeBytes(height);
        return p.toByteArray();
    }

    private static byte[] suffix(byte reservedByte) {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(new byte[] {-1, -1, -1, -1});
        s.writeBytes(outputs().serialized());
        s.write(1);
        s.write(32);
        byte[] reserved = new byte[32];
        reserved[0] = reservedByte;
        s.writeBytes(reserved);
        s.writeBytes(new byte[4]);
        return s.toByteArray();
    }

    @Test
    void parsesTheDeclaredCoinbase() throws Exception {
        DeclaredCoinbase cb = DeclaredCoinbase.parseDeclared(prefix(1, (byte) 0), suffix((byte) 0));
        assertEquals(HEIGHT, cb.height());
        assertEquals(EXTRANONCE, cb.extranonceSize());
        assertTrue(cb.segwit());
        assertEquals(outputs(), cb.outputs());
        assertEquals(312_500_000L, cb.outputs().valueTo(POOL));
        assertTrue(cb.outputs().hasWitnessCommitment());
        // the halves miners hash are the txid form: no marker, flag or witness
        CoinbaseBuilder.Halves h = cb.halves();
        assertEquals(2, h.prefix()[0]);
        assertEquals(1, h.prefix()[4], "input count right after the version");
        assertEquals(EXTRANONCE, h.extranonceSize());
        // and the witness form rebuilt from them is what was declared
        byte[] extranonce = new byte[EXTRANONCE];
        ByteArrayOutputStream declared = new ByteArrayOutputStream();
        declared.writeBytes(prefix(1, (byte) 0));
        declared.writeBytes(extranonce);
        declared.writeBytes(suffix((byte) 0));
        assertArrayEquals(declared.toByteArray(), h.withWitness(extranonce));
    }

    @Test
    void refusesWhatIsNotACoinbaseOrCannotBeRebuilt() {
        assertEquals("coinbase_tx_prefix", assertThrows(DeclaredCoinbase.Invalid.class,
                () -> DeclaredCoinbase.parseDeclared(prefix(2, (byte) 0), suffix((byte) 0))).field());
        assertEquals("coinbase_tx_prefix", assertThrows(DeclaredCoinbase.Invalid.class,
                () -> DeclaredCoinbase.parseDeclared(prefix(1, (byte) 7), suffix((byte) 0))).field());
        assertEquals("coinbase_tx_suffix", assertThrows(DeclaredCoinbase.Invalid.class,
                () -> DeclaredCoinbase.parseDeclared(prefix(1, (byte) 0), suffix((byte) 1))).field());
        byte[] truncated = java.util.Arrays.copyOf(suffix((byte) 0), 20);
        assertEquals("coinbase_tx_suffix", assertThrows(DeclaredCoinbase.Invalid.class,
                () -> DeclaredCoinbase.parseDeclared(prefix(1, (byte) 0), truncated)).field());
    }

    @Test
    void matchesTheCustomJobFieldByField() throws Exception {
        DeclaredCoinbase declared = DeclaredCoinbase.parseDeclared(prefix(1, (byte) 0), suffix((byte) 0));
        Sv2Mining.SetCustomMiningJob same = job(outputs().serialized(), 0xffffffffL);
        assertNull(declared.firstDifference(DeclaredCoinbase.fromCustomJob(same, EXTRANONCE)));
        assertArrayEquals(declared.halves().prefix(), DeclaredCoinbase.fromCustomJob(same, EXTRANONCE).halves().prefix());
        assertArrayEquals(declared.halves().suffix(), DeclaredCoinbase.fromCustomJob(same, EXTRANONCE).halves().suffix());
        assertEquals("extranonce_size", declared.firstDifference(DeclaredCoinbase.fromCustomJob(same, 12)));
        assertEquals("coinbase_tx_input_nSequence",
                declared.firstDifference(DeclaredCoinbase.fromCustomJob(job(outputs().serialized(), 0), EXTRANONCE)));
        // the same outputs in another order are another coinbase (Full-Template keeps the order)
        byte[] swapped = CoinbaseOutputs.of(List.of(new TxOut(0, COMMITMENT), new TxOut(312_500_000L, POOL))).serialized();
        assertEquals("coinbase_tx_outputs",
                declared.firstDifference(DeclaredCoinbase.fromCustomJob(job(swapped, 0xffffffffL), EXTRANONCE)));
    }

    private static Sv2Mining.SetCustomMiningJob job(byte[] outputs, long sequence) {
        return new Sv2Mining.SetCustomMiningJob(1, 1, Bytes.of(new byte[16]), 0x20000000L, U256.ZERO, 0, 0x1d00ffffL, 2,
                Bytes.of(CoinbaseHeight.encodePush(HEIGHT)), sequence, Bytes.of(outputs), 0, List.of());
    }
}
