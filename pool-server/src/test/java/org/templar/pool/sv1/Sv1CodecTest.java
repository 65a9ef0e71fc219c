package org.templar.pool.sv1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.templar.pool.sv1.codec.Sv1ClientCall;
import org.templar.pool.sv1.codec.Sv1Error;
import org.templar.pool.sv1.codec.Sv1JsonCodec;
import org.templar.pool.sv1.codec.Sv1Message;
import org.templar.pool.sv1.codec.Sv1Methods;
import org.templar.pool.sv1.codec.Sv1ProtocolException;
import org.templar.pool.sv1.codec.Sv1Request;
import org.templar.pool.sv1.codec.Sv1Response;

class Sv1CodecTest {
    private static Sv1ClientCall call(String line) throws Sv1ProtocolException {
        return Sv1Methods.parseClientCall((Sv1Request) Sv1JsonCodec.decode(line));
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
        Sv1ProtocolException e = assertThrows(Sv1ProtocolException.class, () -> Sv1JsonCodec.decode(line));
        assertTrue(e.error().code() < 0, "JSON-RPC level error code: " + e.error());
    }

    @Test
    void deeplyNestedJsonIsRefusedCheaply() {
        String deep = "{\"id\":1,\"method\":\"x\",\"params\":[" + "[".repeat(5000) + "]".repeat(5000) + "]}";
        Sv1ProtocolException e = assertThrows(Sv1ProtocolException.class, () -> Sv1JsonCodec.decode(deep));
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
        String ok = Sv1JsonCodec.encode(Sv1Response.ok(IntNode.valueOf(7), com.fasterxml.jackson.databind.node.BooleanNode.TRUE));
        JsonNode n = new ObjectMapper().readTree(ok);
        assertEquals(7, n.get("id").asInt());
        assertTrue(n.get("result").asBoolean());
        assertTrue(n.has("error") && n.get("error").isNull(), ok);
        String err = Sv1JsonCodec.encode(Sv1Response.error(IntNode.valueOf(8), Sv1Error.duplicate()));
        JsonNode e = new ObjectMapper().readTree(err);
        assertEquals(22, e.get("error").get(0).asInt());
        assertTrue(e.get("result").isNull());
    }

    @Test
    void serverMessagesRoundTrip() throws Exception {
        Sv1Request notify = Sv1Methods.notify("1a", "00".repeat(32), "01", "02", List.of("aa".repeat(32)), 0x20000000,
                0x207fffff, 0x5f5e1000, true);
        Sv1Message back = Sv1JsonCodec.decode(Sv1JsonCodec.encode(notify));
        assertEquals(notify, back);
        JsonNode params = new ObjectMapper().readTree(Sv1JsonCodec.encode(notify)).get("params");
        assertEquals("20000000", params.get(5).asText());
        assertEquals("207fffff", params.get(6).asText());
        assertTrue(params.get(8).asBoolean());
        // difficulty: integers stay integers for firmware that parses ints, fractions stay fractions
        assertEquals("{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[1024]}",
                Sv1JsonCodec.encode(Sv1Methods.setDifficulty(1024)));
        assertEquals("{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[0.001]}",
                Sv1JsonCodec.encode(Sv1Methods.setDifficulty(0.001)));
        assertTrue(((Sv1Request) back).isNotification());
        assertEquals("{\"id\":null,\"method\":\"client.reconnect\",\"params\":[\"pool.example\",3333,5]}",
                Sv1JsonCodec.encode(Sv1Methods.reconnect("pool.example", 3333, 5)));
        assertEquals("{\"id\":null,\"method\":\"client.reconnect\",\"params\":[]}",
                Sv1JsonCodec.encode(Sv1Methods.reconnect(null, 3333, 5)), "no host: reconnect to this pool");
    }
}
