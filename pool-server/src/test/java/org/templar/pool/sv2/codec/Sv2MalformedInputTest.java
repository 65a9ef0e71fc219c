package org.templar.pool.sv2.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile payloads: whatever the bytes, decoding either yields a message that re-encodes and
 * decodes to itself, or fails with Sv2CodecException. Never an IndexOutOfBoundsException,
 * NegativeArraySizeException, OutOfMemoryError or the like. Seeded, bounded, reproducible.
 */
@Timeout(60)
class Sv2MalformedInputTest {

    private static void decodeOrRefuse(Sv2Frame frame, String what) {
        Sv2Message m;
        try {
            m = Sv2MessageCodec.decode(frame);
        } catch (Sv2CodecException expected) {
            return;
        } catch (RuntimeException | Error e) {
            fail(what + ": " + e, e);
            return;
        }
        assertEquals(m, Sv2MessageCodec.decode(Sv2MessageCodec.encode(m)), what);
    }

    @Test
    void randomPayloadsForEveryMessageType() {
        Random random = new Random(20261124);
        for (Sv2MessageType type : Sv2MessageType.values()) {
            for (int i = 0; i < 300; i++) {
                byte[] payload = new byte[random.nextInt(i < 150 ? 48 : 400)];
                random.nextBytes(payload);
                decodeOrRefuse(new Sv2Frame(type.extensionType(), type.channelMessage(), type.msgType(),
                        Bytes.of(payload)), type + " random #" + i);
            }
        }
    }

    @Test
    void singleByteMutationsOfValidMessages() {
        Random random = new Random(7);
        for (Sv2SpecMessage message : Sv2Samples.typical()) {
            Sv2Frame frame = Sv2MessageCodec.encode(message);
            byte[] payload = frame.payload().toArray();
            for (int i = 0; i < Math.min(payload.length, 120); i++) {
                byte[] mutated = payload.clone();
                mutated[i] = (byte) random.nextInt(256);
                decodeOrRefuse(new Sv2Frame(frame.extensionType(), frame.channelMessage(), frame.msgType(),
                        Bytes.of(mutated)), message.type() + " byte " + i);
                mutated[i] = (byte) 0xff; // maximal length prefixes and counts
                decodeOrRefuse(new Sv2Frame(frame.extensionType(), frame.channelMessage(), frame.msgType(),
                        Bytes.of(mutated)), message.type() + " byte " + i + " = ff");
            }
        }
    }
}
