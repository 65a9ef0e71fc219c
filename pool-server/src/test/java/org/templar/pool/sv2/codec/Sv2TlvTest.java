package org.templar.pool.sv2.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.share.Hex;

/** Extension 0x0002 TLV on SubmitSharesExtended and the generic TLV tail rules of spec 3.4.3. */
@Timeout(30)
class Sv2TlvTest {
    /** SubmitSharesExtended base fields (5.3.11 + 5.3.12): channel 1, seq 2, job 3, nonce 4, ntime 5, version 6, extranonce 0xaabb. */
    private static final String BASE = "01000000" + "02000000" + "03000000" + "04000000" + "05000000" + "06000000"
            + "02aabb";
    private static final String WORKER_001 = "576f726b65725f303031";

    private static Sv2Message decodeSubmit(String payloadHex) {
        return Sv2MessageCodec.decode(new Sv2Frame(0, true, 0x1b, Bytes.fromHex(payloadHex)));
    }

    @Test
    void userIdentityTlvLittleEndianAsTypedInTheSpec() {
        // Type U16 LE 0x0002 = "0200", field U8 "01", Length U16 LE 10 = "0a00", value "Worker_001".
        Sv2Mining.SubmitSharesExtended m =
                (Sv2Mining.SubmitSharesExtended) decodeSubmit(BASE + "020001" + "0a00" + WORKER_001);
        assertEquals(Optional.of("Worker_001"), m.userIdentity());
        assertEquals(Sv2Tlvs.ByteOrder.LITTLE_ENDIAN, m.tlvs().byteOrder());
        assertEquals(BASE + "0200010a00" + WORKER_001, Sv2MessageCodec.encode(m).payload().toHex());
        // What we send ourselves is the little-endian form.
        Sv2Mining.SubmitSharesExtended ours = new Sv2Mining.SubmitSharesExtended(1, 2, 3, 4, 5, 6,
                Bytes.fromHex("aabb")).withUserIdentity("Worker_001");
        assertEquals(m, ours);
    }

    @Test
    void userIdentityTlvBigEndianAsPrintedInTheSpecExample() {
        // The bytes exactly as printed in extensions/0x0002 section 2: "00 02 01 00 0A 57 6F ...".
        Sv2Mining.SubmitSharesExtended m =
                (Sv2Mining.SubmitSharesExtended) decodeSubmit(BASE + "000201" + "000a" + WORKER_001);
        assertEquals(Optional.of("Worker_001"), m.userIdentity());
        assertEquals(Sv2Tlvs.ByteOrder.BIG_ENDIAN, m.tlvs().byteOrder());
        // Re-encoding reproduces the peer's bytes.
        assertEquals(BASE + "000201000a" + WORKER_001, Sv2MessageCodec.encode(m).payload().toHex());
    }

    @Test
    void noTlvMeansNoUserIdentity() {
        Sv2Mining.SubmitSharesExtended m = (Sv2Mining.SubmitSharesExtended) decodeSubmit(BASE);
        assertEquals(Optional.empty(), m.userIdentity());
        assertTrue(m.tlvs().isEmpty());
    }

    @Test
    void unknownTlvsAreKeptAndIgnoredAlongsideTheKnownOne() {
        // An unknown extension 0x0003 field after 0x0002 (TLVs ordered by extension_type).
        String tail = "0200010300616263" + "030007" + "0100" + "ff";
        Sv2Mining.SubmitSharesExtended m = (Sv2Mining.SubmitSharesExtended) decodeSubmit(BASE + tail);
        assertEquals(Optional.of("abc"), m.userIdentity());
        assertEquals(2, m.tlvs().fields().size());
        assertEquals(new Sv2Tlv(3, 7, Bytes.of(0xff)), m.tlvs().fields().get(1));
        assertEquals(BASE + tail, Sv2MessageCodec.encode(m).payload().toHex());
    }

    @Test
    void userIdentityLongerThan32BytesMakesTheMessageRejected() {
        String v33 = "41".repeat(33);
        Sv2CodecException e = assertThrows(Sv2CodecException.class, () -> decodeSubmit(BASE + "0200012100" + v33));
        assertTrue(e.getMessage().contains("32"), e.getMessage());
        // Exactly 32 is fine.
        Sv2Mining.SubmitSharesExtended ok =
                (Sv2Mining.SubmitSharesExtended) decodeSubmit(BASE + "0200012000" + "41".repeat(32));
        assertEquals(Optional.of("A".repeat(32)), ok.userIdentity());
    }

    @Test
    void bytesAfterTheFieldsThatAreNoTlvListAreTrailingGarbage() {
        for (String garbage : new String[] {"00", "01020304", "0200010b00" + WORKER_001, "020001"}) {
            Sv2CodecException e = assertThrows(Sv2CodecException.class, () -> decodeSubmit(BASE + garbage),
                    garbage);
            assertTrue(e.getMessage().contains("trailing garbage"), e.getMessage());
        }
        // Same rule on a message that has no TLV extension: garbage refused ...
        assertThrows(Sv2CodecException.class, () -> Sv2MessageCodec.decode(
                new Sv2Frame(0, true, 0x21, Bytes.fromHex("01000000" + "00".repeat(32) + "99"))));
    }

    @Test
    void wellFormedTlvsOnMessagesNoExtensionExtendsAreIgnored() {
        // Spec 0x0002 1.3: the receiver MUST ignore unexpected TLV fields.
        String setTarget = "01000000" + "11".repeat(32);
        Sv2Frame frame = new Sv2Frame(0, true, 0x21, Bytes.fromHex(setTarget + "0900050100ee"));
        Sv2Message m = Sv2MessageCodec.decode(frame);
        assertEquals(new Sv2Mining.SetTarget(1, U256.fromHex("11".repeat(32))), m);
        // ... but a caller that wants them can have them.
        Sv2MessageCodec.Decoded d = Sv2MessageCodec.decodeWithTlvs(frame);
        assertEquals(m, d.message());
        assertEquals(List.of(new Sv2Tlv(9, 5, Bytes.of(0xee))), d.tlvs().fields());
    }

    @Test
    void tlvEncodingOfTheSpecExampleValue() {
        Sv2Tlv tlv = Sv2WorkerHashrateTracking.userIdentityTlv("Worker_001");
        assertEquals(2, tlv.extensionType());
        assertEquals(1, tlv.fieldType());
        assertEquals(15, tlv.encodedLength());
        assertArrayEquals(Hex.decode(WORKER_001), tlv.value().toArray());
        assertThrows(Sv2CodecException.class, () -> Sv2WorkerHashrateTracking.userIdentityTlv("x".repeat(33)));
    }
}
