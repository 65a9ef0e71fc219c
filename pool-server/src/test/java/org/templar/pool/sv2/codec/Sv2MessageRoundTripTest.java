package org.templar.pool.sv2.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(30)
class Sv2MessageRoundTripTest {

    static Stream<Sv2SpecMessage> allSamples() {
        return Stream.concat(Sv2Samples.typical().stream(), Sv2Samples.boundaries().stream());
    }

    @Test
    void samplesCoverEveryMessageType() {
        Set<Sv2MessageType> covered = EnumSet.noneOf(Sv2MessageType.class);
        Sv2Samples.typical().forEach(m -> covered.add(m.type()));
        assertEquals(EnumSet.allOf(Sv2MessageType.class), covered);
    }

    @ParameterizedTest
    @MethodSource("allSamples")
    void decodeOfEncodeIsTheMessageAndEncodeOfDecodeIsTheBytes(Sv2SpecMessage message) {
        byte[] wire = Sv2MessageCodec.toWire(message);
        Sv2Message decoded = Sv2MessageCodec.fromWire(wire);
        assertEquals(message, decoded);
        assertEquals(message.hashCode(), decoded.hashCode());
        assertArrayEquals(wire, Sv2MessageCodec.toWire(decoded));
    }

    @ParameterizedTest
    @MethodSource("allSamples")
    void headerCarriesTheSpecNumbersAndTheExactPayloadLength(Sv2SpecMessage message) {
        byte[] wire = Sv2MessageCodec.toWire(message);
        int ext = (wire[0] & 0xff) | (wire[1] & 0xff) << 8;
        assertEquals(message.type().extensionType(), ext & 0x7fff);
        assertEquals(message.type().channelMessage(), (ext & 0x8000) != 0);
        assertEquals(message.type().msgType(), wire[2] & 0xff);
        int length = (wire[3] & 0xff) | (wire[4] & 0xff) << 8 | (wire[5] & 0xff) << 16;
        assertEquals(wire.length - 6, length);
        if (message instanceof Sv2ChannelMessage cm) {
            // Spec 3.2: with channel_msg set, the payload starts with the U32 channel_id.
            long channelId = (wire[6] & 0xffL) | (wire[7] & 0xffL) << 8 | (wire[8] & 0xffL) << 16
                    | (wire[9] & 0xffL) << 24;
            assertEquals(cm.channelId(), channelId);
        }
    }

    @ParameterizedTest
    @MethodSource("allSamples")
    void everyProperPrefixOfThePayloadIsRefusedAsTruncated(Sv2SpecMessage message) {
        byte[] payload = Sv2MessageCodec.encode(message).payload().toArray();
        // Trailing TLVs are optional: cutting exactly before them leaves a valid message, so only the
        // base fields are cut here (cuts inside a TLV are covered in Sv2TlvTest).
        int baseLength = payload.length;
        if (message instanceof Sv2Mining.SubmitSharesExtended sse) {
            baseLength -= sse.tlvs().encodedLength();
        }
        // Checking each prefix of 64K payloads would be quadratic; the first 300 and the last 300 cover
        // every field boundary of every message (fixed fields come first, big arrays last).
        for (int len = 0; len < baseLength; len++) {
            if (len > 300 && len < baseLength - 300) {
                continue;
            }
            byte[] cut = java.util.Arrays.copyOf(payload, len);
            Sv2Frame frame = new Sv2Frame(message.extensionType(), message.channelMessage(), message.msgType(),
                    Bytes.of(cut));
            assertThrows(Sv2CodecException.class, () -> Sv2MessageCodec.decode(frame),
                    () -> message.type() + " decoded from only " + cut.length + " of " + payload.length + " bytes");
        }
    }

    @Test
    void miningAndTemplateDistributionSetNewPrevHashAreDifferentMessages() {
        assertEquals(0x20, Sv2MessageType.MINING_SET_NEW_PREV_HASH.msgType());
        assertEquals(0x72, Sv2MessageType.TDP_SET_NEW_PREV_HASH.msgType());
        Sv2Message mining = Sv2MessageCodec.fromWire(Sv2MessageCodec.toWire(
                new Sv2Mining.SetNewPrevHash(1, 2, Sv2Samples.u256(3), 4, 5)));
        Sv2Message tdp = Sv2MessageCodec.fromWire(Sv2MessageCodec.toWire(
                new Sv2TemplateDistribution.SetNewPrevHash(1, Sv2Samples.u256(3), 4, 5, Sv2Samples.u256(6))));
        assertTrue(mining instanceof Sv2Mining.SetNewPrevHash);
        assertTrue(tdp instanceof Sv2TemplateDistribution.SetNewPrevHash);
    }

    @Test
    void everyTypeResolvesBackToItselfAndNumbersAreUnique() {
        for (Sv2MessageType t : Sv2MessageType.values()) {
            assertEquals(t, Sv2MessageType.lookup(t.extensionType(), t.msgType()).orElseThrow());
        }
        assertEquals(List.of(), Sv2MessageType.lookup(0, 0x1e).stream().toList(), "0x1e is reserved");
    }

    @Test
    void payoutExtensionMessagesAreFramedUnderExtensionTypeThreeWithTheDraftLayout() {
        var request = new Sv2NonCustodialPayouts.RequestPayoutOutputs(7, Bytes.of(new byte[] {9, 9}), 0x0102030405L);
        byte[] wire = Sv2MessageCodec.toWire(request);
        // header: extension_type U16 LE (3, no channel_msg bit), msg_type 0x00, length U24 LE
        assertArrayEquals(new byte[] {3, 0, 0x00, 4 + 1 + 2 + 8, 0, 0}, java.util.Arrays.copyOf(wire, 6));
        // request_id U32, mining_job_token B0_255, available_payout_value U64, all little-endian
        assertArrayEquals(new byte[] {7, 0, 0, 0, 2, 9, 9, 5, 4, 3, 2, 1, 0, 0, 0},
                java.util.Arrays.copyOfRange(wire, 6, wire.length));
        assertEquals(Sv2MessageType.REQUEST_PAYOUT_OUTPUTS_SUCCESS, Sv2MessageType.lookup(3, 0x01).orElseThrow());
        assertEquals(Sv2MessageType.REQUEST_EXTENSIONS_SUCCESS, Sv2MessageType.lookup(1, 0x01).orElseThrow());
        assertThrows(Sv2CodecException.class,
                () -> new Sv2NonCustodialPayouts.RequestPayoutOutputs(1, Sv2Samples.bytes(256, 0), 1));
    }

    @Test
    void recordsCompareByteFieldsByContent() {
        Sv2Mining.SetExtranoncePrefix a = new Sv2Mining.SetExtranoncePrefix(1, Bytes.of(new byte[] {1, 2, 3}));
        Sv2Mining.SetExtranoncePrefix b = new Sv2Mining.SetExtranoncePrefix(1, Bytes.of(new byte[] {1, 2, 3}));
        Sv2Mining.SetExtranoncePrefix c = new Sv2Mining.SetExtranoncePrefix(1, Bytes.of(new byte[] {1, 2, 4}));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertTrue(!a.equals(c));
    }

    @Test
    void recordsRefuseValuesTheirWireTypeCannotCarry() {
        assertThrows(Sv2CodecException.class, () -> new Sv2Mining.SetTarget(1L << 32, U256.ZERO));
        assertThrows(Sv2CodecException.class, () -> new Sv2Mining.SetTarget(-1, U256.ZERO));
        assertThrows(Sv2CodecException.class,
                () -> new Sv2Mining.SetExtranoncePrefix(1, Sv2Samples.bytes(33, 0)));
        assertThrows(Sv2CodecException.class, () -> new Sv2Common.Reconnect(Str0255.EMPTY, 65536));
        assertThrows(Sv2CodecException.class, () -> Str0255.of("x".repeat(256)));
        assertThrows(Sv2CodecException.class, () -> U256.of(new byte[31]));
        assertThrows(Sv2CodecException.class, () -> new Sv2Mining.NewExtendedMiningJob(1, 2,
                java.util.OptionalLong.empty(), 3, true, Sv2Samples.hashes(256), Bytes.EMPTY, Bytes.EMPTY));
        assertThrows(Sv2CodecException.class,
                () -> new Sv2JobDeclaration.PushSolution(Sv2Samples.bytes(33, 0), U256.ZERO, 0, 0, 0, 0));
        assertThrows(Sv2CodecException.class, () -> new Sv2Mining.SubmitSharesExtended(1, 2, 3, 4, 5, 6,
                Bytes.EMPTY).withUserIdentity("w".repeat(33)));
    }

    @Test
    void aPayloadAboveTheU24LimitCannotBeEncoded() {
        // 4 request_id + 2 count + (3 + N) per transaction: two transactions of 8 MB exceed 2^24-1.
        Bytes eightMb = Bytes.of(new byte[8 * 1024 * 1024]);
        Sv2JobDeclaration.ProvideMissingTransactionsSuccess tooBig =
                new Sv2JobDeclaration.ProvideMissingTransactionsSuccess(1, List.of(eightMb, eightMb));
        Sv2CodecException e = assertThrows(Sv2CodecException.class, () -> Sv2MessageCodec.encode(tooBig));
        assertTrue(e.getMessage().contains("U24"), e.getMessage());
    }
}
