package org.templar.client.miner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.templar.pool.sv1.codec.Sv1Message;
import org.templar.pool.sv1.codec.Sv1Request;

/** The miner's transport glue on an EmbeddedChannel: pool bytes split anywhere still make whole messages. */
class MinerChannelHandlerTest {
    private static final HexFormat HEX = HexFormat.of();

    private final List<Sv1Message> sent = new ArrayList<>();
    private final List<MinerJob> published = new ArrayList<>();

    private EmbeddedChannel channel() {
        MinerSession.Link link = new MinerSession.Link() {
            @Override
            public void send(Sv1Message message) {
                sent.add(message);
            }

            @Override
            public void reconnect(Optional<String> host, OptionalInt port, Duration wait) {}

            @Override
            public void fatal(String reason) {}

            @Override
            public void established() {}

            @Override
            public void shareAnswered() {}
        };
        MinerConfig cfg = MinerConfig.of("stratum+tcp://127.0.0.1:3333", "w").withThreads(1).withVersionRolling(false);
        MinerSession session = new MinerSession(cfg, link, published::add, new MinerCounters(), new AtomicLong());
        // The same framing as the miner's pipeline: newline frames with a cap, UTF-8 text, then the session.
        return new EmbeddedChannel(new LineBasedFrameDecoder(CpuMiner.MAX_LINE),
                new StringDecoder(StandardCharsets.UTF_8), new MinerChannelHandler(session));
    }

    private static String poolScript() {
        TestJob j = TestJob.build("é1", 0x1d00ffff, "/ü/"); // non-ASCII job id: split inside a UTF-8 sequence too
        return "{\"id\":1,\"result\":[[[\"mining.notify\",\"s\"]],\"01020304\",4],\"error\":null}\r\n"
                + "{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[0.5]}\n"
                + "{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"é1\",\"" + j.prevHashWire() + "\",\""
                + HEX.formatHex(j.coinb1()) + "\",\"" + HEX.formatHex(j.coinb2()) + "\",[\""
                + HEX.formatHex(j.branch().get(0)) + "\",\"" + HEX.formatHex(j.branch().get(1))
                + "\"],\"20000000\",\"1d00ffff\",\"66236337\",true]}\n";
    }

    @Test
    void poolBytesSplitAtEveryPositionGiveTheSameJob() {
        byte[] bytes = poolScript().getBytes(StandardCharsets.UTF_8);
        for (int split = 1; split < bytes.length; split += 7) {
            sent.clear();
            published.clear();
            EmbeddedChannel ch = channel();
            assertEquals("mining.subscribe", ((Sv1Request) sent.get(0)).method(), "channelActive opens the handshake");
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, 0, split));
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
            assertEquals(1, published.size(), "split at " + split);
            MinerJob job = published.get(0);
            assertEquals("é1", job.jobId());
            assertEquals(0.5, job.difficulty().value());
            assertTrue(ch.isOpen());
            assertFalse(ch.finish());
        }
    }

    @Test
    void oneByteAtATime() {
        byte[] bytes = poolScript().getBytes(StandardCharsets.UTF_8);
        EmbeddedChannel ch = channel();
        for (byte b : bytes) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertEquals(1, published.size());
        assertFalse(ch.finish());
    }

    @Test
    void anOversizedLineClosesTheConnectionAndStopsTheWork() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(poolScript().getBytes(StandardCharsets.UTF_8)));
        assertEquals(1, published.size());
        byte[] junk = new byte[CpuMiner.MAX_LINE + 10];
        java.util.Arrays.fill(junk, (byte) 'x');
        // Over the cap the decoder discards as it goes (memory stays bounded) and fails at the newline.
        ch.writeInbound(Unpooled.wrappedBuffer(junk));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'x', '\n'}));
        assertFalse(ch.isOpen());
        assertEquals(null, published.get(published.size() - 1), "a lost connection stops the hashing threads");
        ch.finishAndReleaseAll();
    }
}
