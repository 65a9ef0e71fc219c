package org.templar.pool.sv1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target: one Stratum V1 line, as a hostile client would send it. The codec and the method
 * parser may only answer with an {@link Sv1ProtocolException} (which the session turns into a
 * JSON-RPC error); anything else thrown would reach the pipeline as an unexpected exception.
 * What decodes must re-encode to a line that decodes to the same message: the encoder owns the
 * wire form, and it must not be able to write something its own decoder reads differently.
 *
 * <p>Regression inputs (every crash ever found, plus seeds) live in
 * {@code src/test/resources/org/templar/pool/sv1/codec/Sv1LineFuzzTestInputs/}; {@code ./mvnw verify}
 * replays them, the {@code fuzz} profile searches for new ones.
 */
class Sv1LineFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void anyLine(byte[] input) {
        String line = new String(input, java.nio.charset.StandardCharsets.UTF_8);
        Sv1Message message;
        try {
            message = Sv1JsonCodec.decode(line);
        } catch (Sv1ProtocolException expected) {
            return;
        }
        String again = Sv1JsonCodec.encode(message);
        try {
            assertEquals(again, Sv1JsonCodec.encode(Sv1JsonCodec.decode(again)), "re-encoding is stable");
        } catch (Sv1ProtocolException e) {
            throw new AssertionError("the codec cannot read its own line: " + again, e);
        }
        if (message instanceof Sv1Request request) {
            try {
                Sv1Methods.parseClientCall(request);
            } catch (Sv1ProtocolException expected) {
                // a clear refusal with an SV1 error code
            }
        }
    }
}
