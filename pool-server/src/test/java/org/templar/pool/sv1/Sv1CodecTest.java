package org.templar.pool.sv1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.templar.pool.sv1.codec.Sv1ClientCall;
import org.templar.pool.sv1.codec.Sv1Decoder;
import org.templar.pool.sv1.codec.Sv1Encoder;
import org.templar.pool.sv1.codec.Sv1Error;
import org.templar.pool.sv1.codec.Sv1Id;
import org.templar.pool.sv1.codec.Sv1Invalid;
import org.templar.pool.sv1.codec.Sv1Message;
import org.templar.pool.sv1.codec.Sv1ProtocolException;
import org.templar.pool.sv1.codec.Sv1Request;
import org.templar.pool.sv1.codec.Sv1Response;
import org.templar.pool.sv1.codec.Sv1Result;
import org.templar.pool.sv1.codec.Sv1ServerCall;
import org.templar.share.ExtranoncePrefix;

class Sv1CodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A miner's line as the pool types it; a refused call raises its error. */
    private static Sv1ClientCall call(String line) throws Sv1ProtocolException {
        Sv1Message m = Sv1Decoder.decodeFromMiner(line);
        if (m instanceof Sv1Invalid invalid) {
            throw new Sv1ProtocolException(invalid.error());
        }
        return (Sv1ClientCall) ((Sv1Request) m).call();
    }

    private static int errorCode(String line) {
        Sv1ProtocolException e = assertThrows(Sv1ProtocolException.class, () -> call(line));
        return e.error().code();
    }

    @Test
    void parsesEveryMinerMethod() throws Exception {
        assertEquals(new Sv1ClientCall.Subscribe(java.util.Optional.of("cgminer/4.11"), java.util.Optional.of("deadbeef")),
                call("{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"cgminer/4.11\",\"deadbeef\"]}"));
        assertEquals(new Sv1ClientCall.Subscribe(java.util.Optional.empty(), java.util.Optional.empty()),
                call("{\"id\":1,\"method\":\"mining.subscribe\"}"));
        assertEquals(new Sv1ClientCall.Authorize("bcrt1qxyz.rig1", "x"),
                call("{\"id\":2,\"method\":\"mining.authorize\",\"params\":[\"bcrt1qxyz.rig1\",\"x\"]}"));
        Sv1ClientCall.Configure c = (Sv1ClientCall.Configure) call("{\"id\":3,\"method\":\"mining.configure\",\"params\":"
                + "[[\"version-rolling\",\"minimum-difficulty\"],{\"version-rolling.mask\":\"ffffffff\",\"version-rolling.min-bit-count\":2}]}");
        assertTrue(c.wantsVersionRolling());
        assertEquals(0xffffffff, c.versionRollingMask().orElseThrow());
        assertEquals(2, c.minBitCount().orElseThrow());
        assertEquals(new Sv1ClientCall.SuggestDifficulty(0.0001),
                call("{\"id\":4,\"method\":\"mining.suggest_difficulty\",\"params\":[0.0001]}"));
        assertInstanceOf(Sv1ClientCall.ExtranonceSubscribe.class,
                call("{\"id\":5,\"method\":\"mining.extranonce.subscribe\",\"params\":[]}"));
        Sv1ClientCall.Submit s = (Sv1ClientCall.Submit) call("{\"id\":6,\"method\":\"mining.submit\",\"params\":"
                + "[\"w\",\"0000abcd\",\"01020304\",\"5f5e1000\",\"deadbeef\",\"00002000\"]}");
        assertEquals("0000abcd", s.jobId());
        assertEquals(0x5f5e1000, s.ntime());
        assertEquals(0xdeadbeef, s.nonce());
        assertEquals(0x2000, s.versionBits().orElseThrow());
        assertEquals(4, s.extranonce2().length);
    }

    @Test
    void configureWithoutMaskMeansAllBits() throws Exception {
        Sv1ClientCall.Configure c = (Sv1ClientCall.Configure) call(
                "{\"id\":3,\"method\":\"mining.configure\",\"params\":[[\"version-rolling\"],{}]}");
        assertEquals(0xffffffff, c.versionRollingMask().orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "{\"id\":1,", "[1,2,3]", "\"just a string\"", "{\"id\":{},\"method\":\"x\"}",
        "{\"id\":1,\"method\":5,\"params\":[]}", "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":{}}", "{}"})
    void malformedEnvelopesAreProtocolErrors(String line) {
        Sv1ProtocolException e = assertThrows(Sv1ProtocolException.class, () -> Sv1Decoder.decodeFromMiner(line));
        assertTrue(e.error().code() < 0, "JSON-RPC level error code: " + e.error());
    }

    @Test
    void deeplyNestedJsonIsRefusedCheaply() {
        String deep = "{\"id\":1,\"method\":\"x\",\"params\":[" + "[".repeat(5000) + "]".repeat(5000) + "]}";
        Sv1ProtocolException e = assertThrows(Sv1ProtocolException.class, () -> Sv1Decoder.decodeFromMiner(deep));
        assertEquals(Sv1Error.PARSE_ERROR, e.error().code());
    }

    @Test
    void wrongParameterTypesAndCountsAreStratumErrors() {
        assertEquals(Sv1Error.OTHER, errorCode("{\"id\":1,\"method\":\"mining.authorize\",\"params\":[]}"));
        assertEquals(Sv1Error.OTHER, errorCode("{\"id\":1,\"method\":\"mining.authorize\",\"params\":[42,\"x\"]}"));
        assertEquals(Sv1Error.OTHER, errorCode("{\"id\":1,\"method\":\"mining.submit\",\"params\":[\"w\",\"j\",\"00\",\"00\"]}"));
        assertEquals(Sv1Error.OTHER, errorCode("{\"id\":1,\"method\":\"mining.submit\",\"params\":[\"w\",\"j\",\"zz\",\"5f5e1000\",\"deadbeef\"]}"));
        assertEquals(Sv1Error.OTHER, errorCode("{\"id\":1,\"method\":\"mining.submit\",\"params\":[\"w\",\"j\",\"0102\",\"5f5e10\",\"deadbeef\"]}"));
        assertEquals(Sv1Error.OTHER, errorCode("{\"id\":1,\"method\":\"mining.submit\",\"params\":[\"w\",\"j\",\"0102\",5,\"deadbeef\"]}"));
        assertEquals(Sv1Error.OTHER, errorCode("{\"id\":1,\"method\":\"mining.suggest_difficulty\",\"params\":[-1]}"));
        assertEquals(Sv1Error.OTHER, errorCode("{\"id\":1,\"method\":\"mining.suggest_difficulty\",\"params\":[\"abc\"]}"));
        assertEquals(Sv1Error.OTHER, errorCode("{\"id\":1,\"method\":\"mining.configure\",\"params\":[\"version-rolling\"]}"));
        assertEquals(Sv1Error.METHOD_NOT_FOUND, errorCode("{\"id\":1,\"method\":\"mining.frobnicate\",\"params\":[]}"));
    }

    @Test
    void responsesCarryExplicitNullErrorAndEchoTheId() throws Exception {
        String ok = Sv1Encoder.encode(Sv1Response.ok(Sv1Id.of(7), Sv1Result.TRUE));
        assertEquals("{\"id\":7,\"result\":true,\"error\":null}", ok);
        String err = Sv1Encoder.encode(Sv1Response.error(Sv1Id.of(8), Sv1Error.duplicate()));
        assertEquals("{\"id\":8,\"result\":null,\"error\":[22,\"Duplicate share\",null]}", err);
    }

    @Test
    void theIdComesBackExactlyAsTheMinerWroteIt() throws Exception {
        for (String id : List.of("1", "1.50", "-0", "1e3", "123456789012345678901234567890", "\"abc\"", "\"a\\u0041\\\"b\"",
                "\"\"", "null")) {
            Sv1Message m = Sv1Decoder.decodeFromMiner("{ \"params\" : [], \"id\" : " + id + " , \"method\":\"mining.subscribe\"}");
            Sv1Request r = (Sv1Request) m;
            assertEquals("{\"id\":" + id + ",\"result\":true,\"error\":null}",
                    Sv1Encoder.encode(Sv1Response.ok(r.id(), Sv1Result.TRUE)), id);
            assertEquals(id.equals("null"), r.isNotification());
        }
        Sv1Invalid refused = (Sv1Invalid) Sv1Decoder.decodeFromMiner("{\"id\":\"x\\u0031\",\"method\":\"mining.fly\"}");
        assertEquals("{\"id\":\"x\\u0031\",\"result\":null,\"error\":[-32601,\"Method not found: mining.fly\",null]}",
                Sv1Encoder.encode(Sv1Response.error(refused.id(), refused.error())));
        assertEquals(java.util.OptionalLong.of(42), ((Sv1Response) Sv1Decoder.decodeFromPool(
                "{\"id\":42,\"result\":true,\"error\":null}")).id().asLong());
        assertTrue(((Sv1Response) Sv1Decoder.decodeFromPool("{\"id\":\"42\",\"result\":true}")).id().asLong().isEmpty(),
                "a string id is not one of the miner's numbers");
    }

    @Test
    void callsOfTheOtherDirectionAreUnknownMethods() throws Exception {
        Sv1Invalid i = (Sv1Invalid) Sv1Decoder.decodeFromMiner("{\"id\":3,\"method\":\"mining.notify\",\"params\":[]}");
        assertEquals(Sv1Error.METHOD_NOT_FOUND, i.error().code());
        assertEquals(Sv1Id.of(3), i.id());
        assertEquals(Sv1Error.METHOD_NOT_FOUND, ((Sv1Invalid) Sv1Decoder.decodeFromPool(
                "{\"id\":3,\"method\":\"mining.submit\",\"params\":[]}")).error().code());
    }

    @Test
    void answersAreTypedOnceTheSessionKnowsWhatItAsked() throws Exception {
        Sv1Response sub = (Sv1Response) Sv1Decoder.decodeFromPool(
                "{\"id\":1,\"result\":[[[\"mining.set_difficulty\",\"d\"],[\"mining.notify\",\"ab\"]],\"01020304\",4],\"error\":null}");
        Sv1Result.Subscribed s = Sv1Decoder.subscribed(sub.result());
        assertEquals("ab", s.sessionId());
        assertEquals("01020304", s.extranonce1().toHex());
        assertEquals(4, s.extranonce2Size());
        assertThrows(Sv1ProtocolException.class, () -> Sv1Decoder.subscribed(new Sv1Result.Raw("[[],\"010\",4]")));
        assertThrows(Sv1ProtocolException.class, () -> Sv1Decoder.subscribed(new Sv1Result.Raw("true")));
        Sv1Result.Configured c = Sv1Decoder.configured(new Sv1Result.Raw("{\"version-rolling\":true,\"version-rolling.mask\":\"1fffe000\"}"));
        assertTrue(c.versionRolling());
        assertEquals(0x1fffe000, c.mask());
        assertFalse(Sv1Decoder.configured(new Sv1Result.Raw("{\"version-rolling\":false}")).versionRolling());
        assertTrue(Sv1Decoder.isTrue(new Sv1Result.Raw("true")));
        assertFalse(Sv1Decoder.isTrue(Sv1Result.NULL));
    }

    @Test
    void serverMessagesRoundTrip() throws Exception {
        Sv1Request notify = Sv1Request.notification(new Sv1ServerCall.Notify("1a", new byte[32], new byte[] {1},
                new byte[] {2}, List.of(new byte[32]), 0x20000000, 0x207fffff, 0x5f5e1000, true));
        String line = Sv1Encoder.encode(notify);
        assertEquals(line, Sv1Encoder.encode(Sv1Decoder.decodeFromPool(line)));
        JsonNode params = JSON.readTree(line).get("params");
        assertEquals("20000000", params.get(5).asText());
        assertEquals("207fffff", params.get(6).asText());
        assertTrue(params.get(8).asBoolean());
        // difficulty: integers stay integers for firmware that parses ints, fractions stay fractions
        assertEquals("{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[1024]}",
                Sv1Encoder.encode(Sv1Request.notification(new Sv1ServerCall.SetDifficulty(1024))));
        assertEquals("{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[0.001]}",
                Sv1Encoder.encode(Sv1Request.notification(new Sv1ServerCall.SetDifficulty(0.001))));
        assertTrue(((Sv1Request) Sv1Decoder.decodeFromPool(line)).isNotification());
        assertEquals("{\"id\":null,\"method\":\"client.reconnect\",\"params\":[\"pool.example\",3333,5]}",
                Sv1Encoder.encode(Sv1Request.notification(new Sv1ServerCall.Reconnect(Optional.of("pool.example"),
                        OptionalInt.of(3333), 5))));
        assertEquals("{\"id\":null,\"method\":\"client.reconnect\",\"params\":[]}",
                Sv1Encoder.encode(Sv1Request.notification(new Sv1ServerCall.Reconnect(Optional.empty(),
                        OptionalInt.empty(), 0))), "no host: reconnect to this pool");
    }

    /**
     * The encoder writes by hand what the Jackson tree wrote before, byte for byte: every answer and
     * notification the pool sends, with strings full of what needs escaping and difficulties of every kind.
     */
    @Test
    void theEncoderWritesWhatTheJacksonTreeWrote() throws Exception {
        StringBuilder everyChar = new StringBuilder();
        for (char c = 0; c < 0x3100; c++) {
            everyChar.append(c);
        }
        everyChar.append("\ud83d\ude00 \ud800 lone \udfff / \u007f \u2028");
        String text = everyChar.toString();

        assertEquals(json(request(NODES.textNode(text), "client.show_message")),
                Sv1Encoder.encode(Sv1Request.notification(new Sv1ServerCall.ShowMessage(text))));
        ObjectNode error = response(NODES.numberNode(5));
        error.putNull("result");
        error.putArray("error").add(24).add(text).addNull();
        assertEquals(json(error), Sv1Encoder.encode(Sv1Response.error(Sv1Id.of(5), new Sv1Error(24, text))));

        for (double d : new double[] {1e-12, 1e-7, 2e-7, 0.001, 0.5, 1, 1024, 123.456, 65536.25, 1e14, 1e15, 1e20}) {
            JsonNode n = d == Math.rint(d) && d < 1e15 ? NODES.numberNode((long) d) : NODES.numberNode(d);
            assertEquals(json(request(n, "mining.set_difficulty")),
                    Sv1Encoder.encode(Sv1Request.notification(new Sv1ServerCall.SetDifficulty(d))), "difficulty " + d);
        }

        ExtranoncePrefix en1 = ExtranoncePrefix.parse("ab12cd34");
        ObjectNode subscribed = response(NODES.textNode("id \"7\""));
        ArrayNode result = subscribed.putArray("result");
        ArrayNode subs = result.addArray();
        subs.addArray().add("mining.set_difficulty").add("ab12cd34");
        subs.addArray().add("mining.notify").add("ab12cd34");
        result.add("ab12cd34").add(4);
        subscribed.putNull("error");
        assertEquals(json(subscribed), Sv1Encoder.encode(Sv1Response.ok(Sv1Decoder.decodeFromMiner(
                "{\"id\":\"id \\\"7\\\"\",\"method\":\"mining.subscribe\"}") instanceof Sv1Request r ? r.id() : null,
                new Sv1Result.Subscribed("ab12cd34", en1, 4))));

        ObjectNode configured = response(NODES.numberNode(1));
        configured.putObject("result").put("version-rolling", true).put("version-rolling.mask", "1fffe000")
                .put("minimum-difficulty", false).put("sub\"scribe", false);
        configured.putNull("error");
        assertEquals(json(configured), Sv1Encoder.encode(Sv1Response.ok(Sv1Id.of(1),
                new Sv1Result.Configured(true, 0x1fffe000, List.of("minimum-difficulty", "sub\"scribe")))));
        ObjectNode refused = response(NODES.numberNode(1));
        refused.putObject("result").put("info", false);
        refused.putNull("error");
        assertEquals(json(refused), Sv1Encoder.encode(Sv1Response.ok(Sv1Id.of(1),
                new Sv1Result.Configured(false, 0, List.of("info")))));

        ObjectNode extranonce = NODES.objectNode();
        extranonce.putNull("id");
        extranonce.put("method", "mining.set_extranonce");
        extranonce.putArray("params").add("ab12cd34").add(4);
        assertEquals(json(extranonce), Sv1Encoder.encode(Sv1Request.notification(new Sv1ServerCall.SetExtranonce(en1, 4))));
    }

    private static ObjectNode request(JsonNode param, String method) {
        ObjectNode root = NODES.objectNode();
        root.putNull("id");
        root.put("method", method);
        root.putArray("params").add(param);
        return root;
    }

    private static ObjectNode response(JsonNode id) {
        ObjectNode root = NODES.objectNode();
        root.set("id", id);
        return root;
    }

    private static String json(JsonNode tree) throws Exception {
        return JSON.writeValueAsString(tree);
    }
}
