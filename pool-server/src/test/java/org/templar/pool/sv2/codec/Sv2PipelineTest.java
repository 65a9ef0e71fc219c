package org.templar.pool.sv2.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.share.Hex;

/** The Netty side: Sv2FrameDecoder/Sv2FrameEncoder + Sv2MessageHandler in an EmbeddedChannel. */
@Timeout(60)
class Sv2PipelineTest {
    private final List<ByteBuf> fedBuffers = new ArrayList<>();
    private EmbeddedChannel channel;

    private EmbeddedChannel pipeline(int maxPayload) {
        channel = new EmbeddedChannel(new Sv2FrameDecoder(maxPayload), new Sv2FrameEncoder(maxPayload),
                Sv2MessageHandler.INSTANCE);
        return channel;
    }

    private EmbeddedChannel pipeline() {
        return pipeline(Sv2Frame.MAX_PAYLOAD);
    }

    @AfterEach
    void noLeaks() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        // Every buffer handed to the pipeline must have been released by it.
        for (ByteBuf b : fedBuffers) {
            assertEquals(0, b.refCnt(), "a ByteBuf fed to the decoder was not released");
        }
    }

    private void feed(byte[] bytes, int from, int to) {
        ByteBuf b = Unpooled.directBuffer(Math.max(1, to - from)).writeBytes(bytes, from, to - from);
        fedBuffers.add(b);
        channel.writeInbound(b);
    }

    private List<Object> drainInbound() {
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = channel.readInbound()) != null) {
            out.add(o);
        }
        return out;
    }

    private static byte[] concat(List<? extends Sv2Message> messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        messages.forEach(m -> out.writeBytes(Sv2MessageCodec.toWire(m)));
        return out.toByteArray();
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    @Test
    void everyMessageSurvivesByteAtATimeDelivery() {
        List<Sv2SpecMessage> messages = Sv2Samples.typical();
        byte[] stream = concat(messages);
        pipeline();
        List<Object> got = new ArrayList<>();
        for (int i = 0; i < stream.length; i++) {
            feed(stream, i, i + 1);
            got.addAll(drainInbound());
        }
        assertEquals(messages, got);
    }

    @Test
    void aStreamSplitAtEveryPositionDecodesTheSame() {
        List<Sv2SpecMessage> messages = List.of(
                new Sv2Mining.SubmitSharesExtended(1, 2, 3, 4, 5, 6, Bytes.fromHex("0011")).withUserIdentity("rig1"),
                new Sv2Mining.SetTarget(1, Sv2Samples.u256(1)),
                new Sv2Common.Reconnect(Str0255.EMPTY, 0));
        byte[] stream = concat(messages);
        for (int split = 0; split <= stream.length; split++) {
            pipeline();
            feed(stream, 0, split);
            feed(stream, split, stream.length);
            assertEquals(messages, drainInbound(), "split at " + split);
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void outboundMessagesBecomeExactlyTheirWireBytes() {
        pipeline();
        for (Sv2SpecMessage m : Sv2Samples.typical()) {
            assertTrue(channel.writeOutbound(m));
            ByteBuf out = channel.readOutbound();
            try {
                byte[] bytes = new byte[out.readableBytes()];
                out.readBytes(bytes);
                assertArrayEquals(Sv2MessageCodec.toWire(m), bytes, m.type().name());
            } finally {
                out.release();
            }
        }
    }

    @Test
    void anOversizedHeaderIsRefusedBeforeTheBodyArrives() {
        pipeline(1000);
        // SubmitSharesExtended header declaring 1001 payload bytes: only the 6 header bytes are sent.
        byte[] header = Hex.decode("00801be90300");
        DecoderException e = assertThrows(DecoderException.class, () -> feed(header, 0, header.length));
        Sv2FrameTooLongException tooLong = assertInstanceOf(Sv2FrameTooLongException.class, rootCause(e));
        assertEquals(1001, tooLong.declaredLength());
        assertEquals(1000, tooLong.maxLength());
        // No trustworthy frame boundary is left: whatever follows is discarded, never decoded.
        byte[] valid = Sv2MessageCodec.toWire(new Sv2Mining.SetTarget(1, U256.ZERO));
        feed(valid, 0, valid.length);
        assertEquals(List.of(), drainInbound());
    }

    @Test
    void aHeaderAtTheConfiguredMaximumIsAccepted() {
        pipeline(20);
        byte[] wire = Sv2MessageCodec.toWire(new Sv2Common.Reconnect(Str0255.of("a".repeat(17)), 1));
        assertEquals(6 + 20, wire.length);
        feed(wire, 0, wire.length);
        assertEquals(List.of(new Sv2Common.Reconnect(Str0255.of("a".repeat(17)), 1)), drainInbound());
    }

    @Test
    void theLargestU24PayloadRoundTripsThroughThePipeline() {
        // request_id U32 + count U16 + one B0_16M (3-byte length + N) = 2^24-1 exactly.
        int n = Sv2Frame.MAX_PAYLOAD - 4 - 2 - 3;
        Sv2JobDeclaration.ProvideMissingTransactionsSuccess big = new Sv2JobDeclaration.ProvideMissingTransactionsSuccess(
                9, List.of(Sv2Samples.bytes(n, 1)));
        byte[] wire = Sv2MessageCodec.toWire(big);
        assertEquals("0000" + "56" + "ffffff", Hex.encode(wire, 0, 6));
        pipeline();
        // Header and a little of the body: the decoder waits, no exception, no message.
        feed(wire, 0, 100);
        assertEquals(List.of(), drainInbound());
        feed(wire, 100, wire.length);
        assertEquals(List.of(big), drainInbound());

        assertTrue(channel.writeOutbound(big));
        ByteBuf out = channel.readOutbound();
        try {
            assertEquals(wire.length, out.readableBytes());
        } finally {
            out.release();
        }
    }

    @Test
    void aTruncatedPayloadIsACodecErrorNotAnIndexError() {
        pipeline();
        // SetTarget frame whose msg_length (10) is shorter than channel_id + U256 (36).
        byte[] frame = Hex.decode("0080 21 0a0000 01000000 000000000000".replace(" ", ""));
        DecoderException e = assertThrows(DecoderException.class, () -> feed(frame, 0, frame.length));
        Throwable cause = rootCause(e);
        assertInstanceOf(Sv2CodecException.class, cause);
        assertTrue(cause.getMessage().contains("maximum_target"), cause.getMessage());
        // The frame boundary was intact, so the next frame still decodes.
        byte[] next = Sv2MessageCodec.toWire(new Sv2Mining.SetTarget(1, U256.ZERO));
        feed(next, 0, next.length);
        assertEquals(List.of(new Sv2Mining.SetTarget(1, U256.ZERO)), drainInbound());
    }

    @Test
    void aLengthFieldAboveItsTypeMaximumIsRefused() {
        pipeline();
        // SetExtranoncePrefix whose B0_32 length byte says 33 (and 33 bytes follow).
        byte[] frame = Hex.decode("0080" + "19" + "260000" + "01000000" + "21" + "00".repeat(33));
        DecoderException e = assertThrows(DecoderException.class, () -> feed(frame, 0, frame.length));
        assertTrue(rootCause(e).getMessage().contains("extranonce_prefix"), rootCause(e).getMessage());
    }

    @Test
    void trailingGarbageIsRefused() {
        pipeline();
        byte[] ok = Sv2MessageCodec.toWire(new Sv2Mining.CloseChannel(3, Str0255.of("bye")));
        byte[] withGarbage = new byte[ok.length + 2];
        System.arraycopy(ok, 0, withGarbage, 0, ok.length);
        withGarbage[3] = (byte) (withGarbage[3] + 2); // msg_length covers the 2 extra bytes
        DecoderException e = assertThrows(DecoderException.class, () -> feed(withGarbage, 0, withGarbage.length));
        assertTrue(rootCause(e).getMessage().contains("trailing garbage"), rootCause(e).getMessage());
    }

    @Test
    void unknownMessagesArriveAsUnknownMessageAndAreForwardedVerbatim() {
        pipeline();
        // 0x1e is reserved in the Mining table; 0x4001 is an experimental extension (spec 3.4).
        byte[] reserved = Hex.decode("0080" + "1e" + "050000" + "2a000000" + "ff");
        byte[] experimental = Hex.decode("0140" + "07" + "020000" + "abcd");
        feed(reserved, 0, reserved.length);
        feed(experimental, 0, experimental.length);
        List<Object> got = drainInbound();
        assertEquals(2, got.size());
        UnknownMessage a = assertInstanceOf(UnknownMessage.class, got.get(0));
        assertEquals(0x1e, a.msgType());
        assertTrue(a.channelMessage());
        assertEquals(OptionalLong.of(42), a.channelId());
        UnknownMessage b = assertInstanceOf(UnknownMessage.class, got.get(1));
        assertEquals(0x4001, b.extensionType());
        assertFalse(b.channelMessage());
        assertEquals(OptionalLong.empty(), b.channelId());

        for (int i = 0; i < 2; i++) {
            assertTrue(channel.writeOutbound(got.get(i)));
            ByteBuf out = channel.readOutbound();
            try {
                byte[] bytes = new byte[out.readableBytes()];
                out.readBytes(bytes);
                assertArrayEquals(i == 0 ? reserved : experimental, bytes);
            } finally {
                out.release();
            }
        }
    }

    @Test
    void aKnownMessageWithTheWrongChannelBitIsStillDecoded() {
        pipeline();
        // SetupConnection.Success sent with channel_msg set by a sloppy peer: accepted (be liberal).
        byte[] wire = Hex.decode("0080" + "01" + "060000" + "0200" + "00000000");
        feed(wire, 0, wire.length);
        assertEquals(List.of(new Sv2Common.SetupConnectionSuccess(2, 0)), drainInbound());
    }

    @Test
    void anEmptyPayloadFrameIsAFrame() {
        pipeline();
        byte[] wire = Hex.decode("0040" + "09" + "000000");
        feed(wire, 0, wire.length);
        UnknownMessage m = assertInstanceOf(UnknownMessage.class, channel.readInbound());
        assertEquals(0, m.frame().payload().length());
        assertNull(channel.readInbound());
    }

    @Test
    void theEncoderRefusesFramesAboveItsMaximum() {
        pipeline(8);
        Sv2Mining.SetTarget tooBig = new Sv2Mining.SetTarget(1, U256.ZERO); // 36-byte payload
        Throwable t = assertThrows(Exception.class, () -> channel.writeOutbound(tooBig));
        assertInstanceOf(Sv2FrameTooLongException.class, rootCause(t));
        assertNull(channel.readOutbound());
    }
}
