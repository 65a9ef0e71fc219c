package org.templar.pool.sv2.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target: every Stratum V2 message decoder. The fuzzer picks a message type from the one type
 * table and supplies its payload. A decoder may refuse with {@link Sv2CodecException} only; what it
 * accepts must survive encode/decode unchanged (the encoder may not write what the decoder reads
 * differently, or what it refuses).
 */
class Sv2MessageFuzzTest {

    private static final Sv2MessageType[] TYPES = Sv2MessageType.values();

    @FuzzTest(maxDuration = "10s")
    void anyMessagePayload(FuzzedDataProvider data) {
        Sv2MessageType type = TYPES[data.consumeInt(0, TYPES.length - 1)];
        boolean channelBit = data.consumeBoolean();
        byte[] payload = data.consumeRemainingAsBytes();
        Sv2Frame frame = Sv2Frame.fromHeader(type.extensionType() | (channelBit ? 0x8000 : 0), type.msgType(),
                Bytes.owned(payload));
        Sv2Message decoded;
        try {
            decoded = Sv2MessageCodec.decode(frame);
        } catch (Sv2CodecException expected) {
            return;
        }
        byte[] wire = Sv2MessageCodec.toWire(decoded);
        Sv2Message again = Sv2MessageCodec.fromWire(wire);
        assertEquals(decoded, again, type + " survives a round trip");
    }
}
