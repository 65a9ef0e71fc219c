package org.templar.pool.sv1.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.Test;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.ExtranonceAllocator;
import org.templar.pool.core.PayoutMode;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.PoolMetrics;
import org.templar.pool.core.VardiffSettings;
import org.templar.pool.sv1.session.Sv1Settings;

/** The SV1 pipeline (framing + session bridge) fed through EmbeddedChannel, split at every byte. */
class Sv1PipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INPUT = "{\"id\":1,\"method\":\"mining.configure\",\"params\":[[\"version-rolling\"],"
            + "{\"version-rolling.mask\":\"ffffffff\"}]}\n"
            + "{\"id\":2,\"method\":\"mining.subscribe\",\"params\":[\"split/1\"]}\r\n"
            + "\n"
            + "{\"id\":3,\"method\":\"mining.suggest_difficulty\",\"params\":[0.5]}\n"
            + "{\"id\":\"four\",\"method\":\"mining.extranonce.subscribe\",\"params\":[]}\n";

    private static EmbeddedChannel channel() {
        // no template yet and no shares in these tests: the share processor is never reached
        PoolContext ctx = new PoolContext(new Authorizer(BitcoinNetwork.REGTEST, PayoutMode.SOLO, Optional.empty()),
                new ExtranonceAllocator(), null, () -> null, VardiffSettings.regtest(), 0x1fffe000, PoolMetrics.NONE,
                new org.templar.pool.core.BanList());
        Sv1Server server = new Sv1Server(ctx, Sv1Settings.defaults(), 16384, 600);
        return new EmbeddedChannel(new LineBasedFrameDecoder(16384, true, true), new Sv1ChannelHandler(server));
    }

    private static List<JsonNode> drain(EmbeddedChannel ch) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        ByteBuf b;
        StringBuilder text = new StringBuilder();
        while ((b = ch.readOutbound()) != null) {
            text.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        for (String line : text.toString().split("\n")) {
            if (!line.isEmpty()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    private static void check(List<JsonNode> replies) {
        assertEquals(4, replies.size(), replies.toString());
        assertEquals("1fffe000", replies.get(0).get("result").get("version-rolling.mask").asText());
        assertEquals(2, replies.get(1).get("id").asInt());
        assertEquals(8, replies.get(1).get("result").get(1).asText().length());
        assertTrue(replies.get(2).get("result").asBoolean());
        assertEquals("four", replies.get(3).get("id").asText(), "string ids are echoed as strings");
        for (JsonNode r : replies) {
            assertTrue(r.has("error") && r.get("error").isNull());
        }
    }

    @Test
    void everySplitPointGivesTheSameAnswers() throws Exception {
        byte[] bytes = INPUT.getBytes(StandardCharsets.UTF_8);
        for (int split = 1; split < bytes.length; split++) {
            EmbeddedChannel ch = channel();
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, 0, split));
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
            check(drain(ch));
            assertTrue(ch.isActive());
            assertFalse(ch.finishAndReleaseAll());
        }
    }

    @Test
    void byteAtATimeDeliveryWorks() throws Exception {
        EmbeddedChannel ch = channel();
        for (byte b : INPUT.getBytes(StandardCharsets.UTF_8)) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        check(drain(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void overlongLineGetsAnErrorAndCloses() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(("{\"id\":1,\"method\":\"" + "m".repeat(20_000)).getBytes(StandardCharsets.UTF_8)));
        List<JsonNode> replies = drain(ch);
        assertEquals(1, replies.size());
        assertTrue(replies.get(0).get("error").get(1).asText().contains("16384"));
        assertFalse(ch.isActive(), "closed after an overlong line");
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }

    @Test
    void invalidUtf8AndControlBytesAreParseErrorsNotCrashes() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, 0x01, '{', '\n'}));
        List<JsonNode> replies = drain(ch);
        assertEquals(-32700, replies.get(0).get("error").get(0).asInt());
        assertTrue(ch.isActive());
        ch.finishAndReleaseAll();
    }
}
