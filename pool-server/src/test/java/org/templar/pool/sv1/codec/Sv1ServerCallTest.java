package org.templar.pool.sv1.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.templar.share.ExtranoncePrefix;

class Sv1ServerCallTest {
    private static final HexFormat HEX = HexFormat.of();
    /** Mainnet block 840,000 in display order. */
    private static final String DISPLAY = "0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5";

    /** A pool's line as the miner side types it; a refused call raises its error. */
    private static Sv1ServerCall parse(String line) throws Sv1ProtocolException {
        Sv1Message m = Sv1Decoder.decodeFromPool(line);
        if (m instanceof Sv1Invalid invalid) {
            throw new Sv1ProtocolException(invalid.error());
        }
        return (Sv1ServerCall) ((Sv1Request) m).call();
    }

    /** The wire form is GBT's display hex with its eight 4-byte groups in reverse order (PROTOCOL-NOTES). */
    private static String wireFromDisplay(String display) {
        StringBuilder sb = new StringBuilder();
        for (int g = 7; g >= 0; g--) {
            sb.append(display, 8 * g, 8 * g + 8);
        }
        return sb.toString();
    }

    private static byte[] internal(String display) {
        byte[] d = HEX.parseHex(display);
        byte[] r = new byte[32];
        for (int i = 0; i < 32; i++) {
            r[i] = d[31 - i];
        }
        return r;
    }

    @Test
    void notifyRoundTripsWithTheServerBuilder() throws Exception {
        String branch0 = "11".repeat(32);
        Sv1Request built = Sv1Request.notification(new Sv1ServerCall.Notify("job-7", internal(DISPLAY),
                HEX.parseHex("01000000aa"), HEX.parseHex("ffffffff00"), List.of(HEX.parseHex(branch0)), 0x20000000,
                0x1d00ffff, 0x66236337, true));
        String line = Sv1Encoder.encode(built);
        assertTrue(line.contains("\"" + wireFromDisplay(DISPLAY) + "\""), "prevhash as the wire spells it: " + line);
        Sv1ServerCall.Notify n = (Sv1ServerCall.Notify) parse(line);
        assertEquals("job-7", n.jobId());
        assertArrayEquals(internal(DISPLAY), n.prevHash());
        assertArrayEquals(HEX.parseHex("01000000aa"), n.coinb1());
        assertArrayEquals(HEX.parseHex("ffffffff00"), n.coinb2());
        assertEquals(1, n.merkleBranch().size());
        assertArrayEquals(HEX.parseHex(branch0), n.merkleBranch().get(0));
        assertEquals(0x20000000, n.version());
        assertEquals(0x1d00ffff, n.nbits());
        assertEquals(0x66236337, n.ntime());
        assertTrue(n.cleanJobs());
    }

    @Test
    void otherServerCalls() throws Exception {
        assertEquals(new Sv1ServerCall.SetDifficulty(0.0001),
                parse("{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[0.0001]}"));
        assertEquals(new Sv1ServerCall.SetVersionMask(0x1fffe000),
                parse("{\"id\":null,\"method\":\"mining.set_version_mask\",\"params\":[\"1fffe000\"]}"));
        Sv1ServerCall.SetExtranonce e = (Sv1ServerCall.SetExtranonce)
                parse("{\"id\":null,\"method\":\"mining.set_extranonce\",\"params\":[\"0badcafe\",4]}");
        assertEquals(ExtranoncePrefix.parse("0badcafe"), e.extranonce1());
        assertEquals(4, e.extranonce2Size());
        assertEquals(new Sv1ServerCall.Reconnect(Optional.of("pool.example"), OptionalInt.of(3334), 5),
                parse("{\"id\":null,\"method\":\"client.reconnect\",\"params\":[\"pool.example\",\"3334\",5]}"));
        assertEquals(new Sv1ServerCall.Reconnect(Optional.empty(), OptionalInt.empty(), 0),
                parse("{\"id\":null,\"method\":\"client.reconnect\",\"params\":[]}"));
        assertEquals(new Sv1ServerCall.ShowMessage("hello"),
                parse("{\"id\":null,\"method\":\"client.show_message\",\"params\":[\"hello\"]}"));
    }

    @Test
    void refusesMalformedServerCalls() {
        String good = "\"" + wireFromDisplay(DISPLAY) + "\"";
        String[] bad = {
            "{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"j\"," + good + ",\"00\",\"00\",[],\"20000000\",\"1d00ffff\",\"66236337\"]}",
            "{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"j\",\"abcd\",\"00\",\"00\",[],\"20000000\",\"1d00ffff\",\"66236337\",true]}",
            "{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"j\"," + good + ",\"0\",\"00\",[],\"20000000\",\"1d00ffff\",\"66236337\",true]}",
            "{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"j\"," + good + ",\"00\",\"00\",[\"aa\"],\"20000000\",\"1d00ffff\",\"66236337\",true]}",
            "{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"j\"," + good + ",\"00\",\"00\",[],\"2000000\",\"1d00ffff\",\"66236337\",true]}",
            "{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"j\"," + good + ",\"00\",\"00\",[],\"20000000\",\"1d00ffff\",\"66236337\",\"yes\"]}",
            "{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[-1]}",
            "{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[\"lots\"]}",
            "{\"id\":null,\"method\":\"mining.set_version_mask\",\"params\":[7]}",
            "{\"id\":null,\"method\":\"mining.set_extranonce\",\"params\":[\"xyz\",4]}",
            "{\"id\":null,\"method\":\"client.reconnect\",\"params\":[\"h\",70000,0]}",
            "{\"id\":null,\"method\":\"mining.fly\",\"params\":[]}",
        };
        for (String line : bad) {
            assertThrows(Sv1ProtocolException.class, () -> parse(line), line);
        }
    }

    @Test
    void numericJobIdsAreKeptAsText() throws Exception {
        Sv1ServerCall.Notify n = (Sv1ServerCall.Notify) parse("{\"id\":null,\"method\":\"mining.notify\",\"params\":[42,\""
                + wireFromDisplay(DISPLAY) + "\",\"00\",\"00\",[],\"20000000\",\"207fffff\",\"00000001\",false]}");
        assertEquals("42", n.jobId());
        assertFalse(n.cleanJobs());
    }
}
