package org.templar.pool.sv1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target: one Stratum V1 line, as a hostile peer would send it, read in both directions (a
 * miner's line at the pool, a pool's line at the miner). The decoder may only answer with a message,
 * an {@link Sv1Invalid} carrying its error, or an {@link Sv1ProtocolException} (which the session turns
 * into a JSON-RPC error); anything else thrown would reach the pipeline as an unexpected exception.
 * What decodes must re-encode to a line that decodes to the same message, and a refusal must be
 * answerable under the id as sent: the encoder owns the wire form, and it must not be able to write
 * something its own decoder reads differently.
 *
 * <p>Regression inputs (every crash ever found, plus seeds) live in
 * {@code src/test/resources/org/templar/pool/sv1/codec/Sv1LineFuzzTestInputs/}; {@code ./mvnw verify}
 * replays them, the {@code fuzz} profile searches for new ones.
 */
class Sv1LineFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void anyLine(byte[] input) {
        String line = new String(input, java.nio.charset.StandardCharsets.UTF_8);
        roundTrip(line, true);
        roundTrip(line, false);
    }

    private static Sv1Message decode(String line, boolean fromMiner) throws Sv1ProtocolException {
        return fromMiner ? Sv1Decoder.decodeFromMiner(line) : Sv1Decoder.decodeFromPool(line);
    }

    private static void roundTrip(String line, boolean fromMiner) {
        Sv1Message message;
        try {
            message = decode(line, fromMiner);
        } catch (Sv1ProtocolException expected) {
            return; // not a JSON-RPC envelope: answered with a clear error under a null id
        }
        if (message instanceof Sv1Invalid invalid) {
            // a clear refusal with an error code, answered under the id the peer sent, which reads back the same
            message = Sv1Response.error(invalid.id(), invalid.error());
        }
        String again = Sv1Encoder.encode(message);
        try {
            Sv1Message back = decode(again, fromMiner);
            assertEquals(again, Sv1Encoder.encode(back), "re-encoding is stable");
            assertEquals(message instanceof Sv1Request r ? r.id() : ((Sv1Response) message).id(),
                    back instanceof Sv1Request r ? r.id() : ((Sv1Response) back).id(), "the id comes back as sent");
        } catch (Sv1ProtocolException e) {
            throw new AssertionError("the codec cannot read its own line: " + again, e);
        }
    }
}
