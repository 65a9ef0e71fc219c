package org.templar.pool.sv2.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;

/**
 * Fuzz target: a plaintext SV2 byte stream, delivered in fuzzer-chosen pieces, through the real
 * frame decoder and then the message codec, as the pool's pipeline does after Noise. The only
 * refusals allowed are an oversized frame ({@link Sv2FrameTooLongException}, after which the decoder
 * discards everything) and a message its codec refuses ({@link Sv2CodecException}); every buffer is
 * released (the tests run Netty's leak detector at paranoid level).
 */
class Sv2FrameStreamFuzzTest {

    /** Small, so that the fuzzer meets the size limit as well as the frames under it. */
    private static final int MAX_PAYLOAD = 4096;

    @FuzzTest(maxDuration = "10s")
    void anyStream(FuzzedDataProvider data) {
        EmbeddedChannel channel = new EmbeddedChannel(new Sv2FrameDecoder(MAX_PAYLOAD));
        boolean tooLong = false;
        int delivered = 0;
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        try {
            while (data.remainingBytes() > 0 && channel.isOpen()) {
                byte[] piece = data.consumeBytes(data.consumeInt(1, 512));
                stream.writeBytes(piece);
                boolean failedNow = false;
                try {
                    channel.writeInbound(Unpooled.wrappedBuffer(piece));
                } catch (DecoderException e) {
                    if (!(e.getCause() instanceof Sv2FrameTooLongException)) {
                        throw e;
                    }
                    failedNow = true;
                }
                // Frames of this piece that came before an oversized header are still delivered (the
                // decoder passes on what it decoded before it failed); none may come from a later piece.
                Object frame;
                while ((frame = channel.readInbound()) != null) {
                    assertFalse(tooLong, "no frame may follow an oversized header");
                    delivered++;
                    try {
                        Sv2MessageCodec.decode((Sv2Frame) frame);
                    } catch (Sv2CodecException refused) {
                        // the session answers this with a protocol error
                    }
                }
                tooLong |= failedNow;
            }
            // a reference reading of the same bytes: every whole frame before the first oversized header
            byte[] all = stream.toByteArray();
            int pos = 0;
            int expected = 0;
            boolean expectTooLong = false;
            while (pos + Sv2Frame.HEADER_SIZE <= all.length) {
                int length = (all[pos + 3] & 0xff) | (all[pos + 4] & 0xff) << 8 | (all[pos + 5] & 0xff) << 16;
                if (length > MAX_PAYLOAD) {
                    expectTooLong = true;
                    break;
                }
                if (pos + Sv2Frame.HEADER_SIZE + length > all.length) {
                    break;
                }
                expected++;
                pos += Sv2Frame.HEADER_SIZE + length;
            }
            assertEquals(expected, delivered, "frames delivered");
            assertEquals(expectTooLong, tooLong, "an oversized header is refused exactly when there is one");
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
