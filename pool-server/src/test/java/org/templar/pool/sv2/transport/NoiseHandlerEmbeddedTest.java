package org.templar.pool.sv2.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import org.templar.pool.sv2.noise.NoiseException;
import org.templar.pool.sv2.noise.ServerIdentity;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Two NoiseHandlers (client and server) wired through EmbeddedChannels, every byte delivered on
 * its own: the decoder must cope with any split.
 */
@Timeout(60)
class NoiseHandlerEmbeddedTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static LeakWatch leakWatch;

    @org.junit.jupiter.api.BeforeAll
    static void watchLeaks() {
        leakWatch = new LeakWatch();
    }

    @org.junit.jupiter.api.AfterAll
    static void noLeaks() throws InterruptedException {
        leakWatch.assertNoLeaks();
    }
    private final AuthorityKeyPair authority = AuthorityKeyPair.generate(RANDOM);
    private final ServerIdentity identity = ServerIdentity.issue(authority, Instant.now().minusSeconds(60),
            Duration.ofHours(1), RANDOM);

    /** Records user events so tests can check what the handler told the pipeline. */
    static final class EventRecorder extends ChannelInboundHandlerAdapter {
        final List<Object> events = new ArrayList<>();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }
    }

    static byte[] frame(int payloadLength, int seed) {
        byte[] frame = new byte[6 + payloadLength];
        frame[0] = (byte) seed;
        frame[2] = 0x15;
        frame[3] = (byte) payloadLength;
        frame[4] = (byte) (payloadLength >>> 8);
        frame[5] = (byte) (payloadLength >>> 16);
        for (int i = 6; i < frame.length; i++) {
            frame[i] = (byte) (i * 13 + seed);
        }
        return frame;
    }

    /**
     * Moves everything one channel wrote into the other, one byte per read (each byte in its own
     * unpooled buffer: derived slices would be leak-tracked one by one at paranoid level, which only
     * slows the test). Stops feeding once the receiver has closed.
     */
    private static void pumpByteByByte(EmbeddedChannel from, EmbeddedChannel to) {
        ByteBuf out;
        while ((out = from.readOutbound()) != null) {
            try {
                // One channelRead per byte straight into the pipeline (writeInbound would also
                // run tasks and check exceptions per byte, which only costs time).
                int delivered = 0;
                while (out.isReadable() && to.isOpen()) {
                    to.pipeline().fireChannelRead(Unpooled.wrappedBuffer(new byte[] {out.readByte()}));
                    if (++delivered % 1024 == 0) {
                        to.pipeline().fireChannelReadComplete();
                    }
                }
                if (to.isOpen()) {
                    to.pipeline().fireChannelReadComplete();
                }
                to.runPendingTasks();
                to.checkException();
            } finally {
                out.release();
            }
        }
    }

    @Test
    void handshakeAndFramesOfEverySizeSurviveByteAtATimeDelivery() {
        EventRecorder serverEvents = new EventRecorder();
        EventRecorder clientEvents = new EventRecorder();
        EmbeddedChannel server = new EmbeddedChannel(
                NoiseHandler.server(identity, NoiseTransportConfig.defaults()), serverEvents);
        EmbeddedChannel client = new EmbeddedChannel(
                NoiseHandler.client(authority.publicKey(), NoiseTransportConfig.defaults()), clientEvents);
        try {
            // Written before the handshake: must be held, then encrypted and sent after it.
            byte[] early = frame(3, 9);
            client.writeAndFlush(Unpooled.wrappedBuffer(early));
            pumpByteByByte(client, server);
            pumpByteByByte(server, client);
            pumpByteByByte(client, server);
            assertInstanceOf(NoiseHandshakeComplete.class, serverEvents.events.get(0));
            assertInstanceOf(NoiseHandshakeComplete.class, clientEvents.events.get(0));
            assertFrame(early, server.readInbound());

            int seed = 0;
            for (int size : new int[] {0, 1, 65_519, 65_520, 200_000}) {
                byte[] plain = frame(size, ++seed);
                client.writeAndFlush(Unpooled.wrappedBuffer(plain));
                pumpByteByByte(client, server);
                assertFrame(plain, server.readInbound());
                assertNull(server.readInbound());

                server.writeAndFlush(Unpooled.wrappedBuffer(plain));
                if (size < 100_000) {
                    pumpByteByByte(server, client);
                } else {
                    // Same decoder class as the server side just exercised byte by byte; whole
                    // reads here keep the test's run time down.
                    ByteBuf wire;
                    while ((wire = server.readOutbound()) != null) {
                        client.writeInbound(wire);
                    }
                }
                assertFrame(plain, client.readInbound());
            }
            // Several frames in one outbound buffer come out as separate inbound frames.
            byte[] a = frame(5, 40);
            byte[] b = frame(0, 41);
            client.writeAndFlush(Unpooled.wrappedBuffer(a, b));
            pumpByteByByte(client, server);
            assertFrame(a, server.readInbound());
            assertFrame(b, server.readInbound());
            assertTrue(server.isActive());
            assertTrue(client.isActive());
        } finally {
            assertFalse(server.finishAndReleaseAll());
            assertFalse(client.finishAndReleaseAll());
        }
    }

    @Test
    void oversizedFrameClosesBeforeAllocating() {
        EventRecorder serverEvents = new EventRecorder();
        EmbeddedChannel server = new EmbeddedChannel(
                NoiseHandler.server(identity, NoiseTransportConfig.defaults().withMaxPayloadLength(1000)),
                serverEvents);
        EmbeddedChannel client = new EmbeddedChannel(
                NoiseHandler.client(authority.publicKey(), NoiseTransportConfig.defaults()));
        try {
            pumpByteByByte(client, server);
            pumpByteByByte(server, client);
            client.writeAndFlush(Unpooled.wrappedBuffer(frame(1000, 1)));
            pumpByteByByte(client, server);
            assertFrame(frame(1000, 1), server.readInbound());
            client.writeAndFlush(Unpooled.wrappedBuffer(frame(1001, 2)));
            pumpByteByByte(client, server);
            assertNull(server.readInbound());
            assertFalse(server.isOpen());
            NoiseFailure failure = (NoiseFailure) serverEvents.events.get(serverEvents.events.size() - 1);
            assertEquals(NoiseException.Reason.FRAME_TOO_LARGE, failure.reason());
            assertFalse(failure.duringHandshake());
        } finally {
            server.finishAndReleaseAll();
            client.finishAndReleaseAll();
        }
    }

    @Test
    void partialOutboundFrameFailsTheWriteWithoutConsumingANonce() {
        EmbeddedChannel server = new EmbeddedChannel(NoiseHandler.server(identity, NoiseTransportConfig.defaults()));
        EmbeddedChannel client = new EmbeddedChannel(
                NoiseHandler.client(authority.publicKey(), NoiseTransportConfig.defaults()));
        try {
            pumpByteByByte(client, server);
            pumpByteByByte(server, client);
            byte[] truncated = java.util.Arrays.copyOf(frame(10, 3), 12);
            assertFalse(client.writeAndFlush(Unpooled.wrappedBuffer(truncated)).isSuccess());
            byte[] good = frame(10, 4);
            client.writeAndFlush(Unpooled.wrappedBuffer(good));
            pumpByteByByte(client, server);
            assertFrame(good, server.readInbound());
        } finally {
            server.finishAndReleaseAll();
            client.finishAndReleaseAll();
        }
    }

    @Test
    void clientWithoutAuthorityKeyIsNotOffered() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> NoiseHandler.client(null, NoiseTransportConfig.defaults()));
    }

    @Test
    void serverWritesBeforeTheHandshakeAreHeldAndNonFramesAreRefused() {
        EmbeddedChannel server = new EmbeddedChannel(NoiseHandler.server(identity, NoiseTransportConfig.defaults()));
        EmbeddedChannel client = new EmbeddedChannel(
                NoiseHandler.client(authority.publicKey(), NoiseTransportConfig.defaults()));
        try {
            assertFalse(server.writeAndFlush("not a frame").isSuccess());
            byte[] early = frame(7, 5);
            server.writeAndFlush(Unpooled.wrappedBuffer(early));
            // Nothing may leave the server before act 2: only act 2 itself.
            assertNull(server.readOutbound());
            pumpByteByByte(client, server);
            pumpByteByByte(server, client);
            assertFrame(early, client.readInbound());
        } finally {
            server.finishAndReleaseAll();
            client.finishAndReleaseAll();
        }
    }

    private static void assertFrame(byte[] expected, ByteBuf actual) {
        try {
            assertArrayEquals(expected, ByteBufUtil.getBytes(actual));
        } finally {
            actual.release();
        }
    }
}
