package org.templar.pool.sv2.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import org.templar.pool.sv2.noise.AuthorityPublicKey;
import org.templar.pool.sv2.noise.NoiseException;
import org.templar.pool.sv2.noise.NoiseInitiator;
import org.templar.pool.sv2.noise.NoiseKeyPair;
import org.templar.pool.sv2.noise.NoiseSession;
import org.templar.pool.sv2.noise.ServerIdentity;
import org.templar.pool.sv2.noise.SignatureNoiseMessage;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.PromiseCombiner;

/**
 * NoiseHandler over real loopback sockets: Netty on both ends for the happy path, and raw sockets
 * (driving the byte-array handshake) to send what a well-behaved peer never would. After every
 * refusal a good connection to the same server must still work.
 */
@Timeout(60)
class NoiseLoopbackTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_PAYLOAD = 300_000;
    private static EventLoopGroup group;
    private static Channel serverChannel;
    private static AuthorityKeyPair authority;
    private static final AtomicReference<ServerIdentity> IDENTITY = new AtomicReference<>();
    private static final BlockingQueue<NoiseFailure> SERVER_FAILURES = new LinkedBlockingQueue<>();
    private static ServerIdentity goodIdentity;

    private static LeakWatch leakWatch;

    @BeforeAll
    static void startServer() throws Exception {
        leakWatch = new LeakWatch();
        group = new NioEventLoopGroup(2);
        authority = AuthorityKeyPair.generate(RANDOM);
        goodIdentity = ServerIdentity.issue(authority, Instant.now().minusSeconds(60), Duration.ofHours(1), RANDOM);
        IDENTITY.set(goodIdentity);
        NoiseTransportConfig config = NoiseTransportConfig.defaults().withMaxPayloadLength(MAX_PAYLOAD)
                .withHandshakeTimeout(Duration.ofMillis(500));
        serverChannel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(NoiseHandler.server(IDENTITY::get, config), new EchoFrames());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @AfterAll
    static void stopServer() throws Exception {
        serverChannel.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        leakWatch.assertNoLeaks();
    }

    @BeforeEach
    void resetServer() {
        IDENTITY.set(goodIdentity);
        SERVER_FAILURES.clear();
    }

    /** Server side: sends each plaintext frame straight back (and records refusals). */
    private static final class EchoFrames extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof NoiseFailure failure) {
                SERVER_FAILURES.add(failure);
            }
        }
    }

    /** Client side: collects frames (copied, buffer released) and events. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        final BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                frames.add(ByteBufUtil.getBytes(buf));
            } finally {
                buf.release();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }
    }

    /** Below the client's NoiseHandler: every outbound wire byte becomes its own flushed write. */
    private static final class OneByteWrites extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ByteBuf buf = (ByteBuf) msg;
            PromiseCombiner combiner = new PromiseCombiner(ctx.executor());
            try {
                while (buf.isReadable()) {
                    combiner.add(ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {buf.readByte()})));
                }
            } finally {
                buf.release();
            }
            combiner.finish(promise);
        }
    }

    private record Client(Channel channel, Collector collector) {
    }

    private Client connect(AuthorityPublicKey trusted, boolean oneByteWrites) throws InterruptedException {
        return connect(trusted, oneByteWrites, serverChannel.localAddress());
    }

    private Client connect(AuthorityPublicKey trusted, boolean oneByteWrites, java.net.SocketAddress address)
            throws InterruptedException {
        Collector collector = new Collector();
        Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (oneByteWrites) {
                            ch.pipeline().addLast(new OneByteWrites());
                        }
                        ch.pipeline().addLast(NoiseHandler.client(trusted, NoiseTransportConfig.defaults()), collector);
                    }
                })
                .connect(address).sync().channel();
        return new Client(channel, collector);
    }

    private static byte[] frame(int payloadLength, int seed) {
        return NoiseHandlerEmbeddedTest.frame(payloadLength, seed);
    }

    private void assertGoodConnectionStillWorks() throws Exception {
        Client client = connect(authority.publicKey(), false);
        try {
            assertInstanceOf(NoiseHandshakeComplete.class, client.collector().events.poll(10, TimeUnit.SECONDS));
            byte[] plain = frame(100, 77);
            client.channel().writeAndFlush(Unpooled.wrappedBuffer(plain));
            assertArrayEquals(plain, client.collector().frames.poll(10, TimeUnit.SECONDS));
        } finally {
            client.channel().close().sync();
        }
    }

    @Test
    void nettyClientAndServerEchoFramesOfEverySizeSentOneByteAtATime() throws Exception {
        Client client = connect(authority.publicKey(), true);
        try {
            NoiseHandshakeComplete done = (NoiseHandshakeComplete) client.collector().events.poll(10, TimeUnit.SECONDS);
            assertNotNull(done);
            assertTrue(done.initiator());
            assertEquals(goodIdentity.certificate(), done.serverCertificate());
            int seed = 0;
            for (int size : new int[] {0, 1, 65_519, 65_520, 200_000}) {
                byte[] plain = frame(size, ++seed);
                client.channel().writeAndFlush(Unpooled.wrappedBuffer(plain));
                assertArrayEquals(plain, client.collector().frames.poll(20, TimeUnit.SECONDS), "size " + size);
            }
            assertTrue(client.channel().isActive());
        } finally {
            client.channel().close().sync();
        }
    }

    @Test
    void wrongAuthorityIsRefusedByTheClient() throws Exception {
        Client client = connect(AuthorityKeyPair.generate(RANDOM).publicKey(), false);
        NoiseFailure failure = (NoiseFailure) client.collector().events.poll(10, TimeUnit.SECONDS);
        assertEquals(NoiseException.Reason.WRONG_AUTHORITY, failure.reason());
        assertTrue(failure.duringHandshake());
        assertTrue(client.channel().closeFuture().await(10, TimeUnit.SECONDS));
        assertGoodConnectionStillWorks();
    }

    @Test
    void expiredAndNotYetValidCertificatesAreRefused() throws Exception {
        IDENTITY.set(ServerIdentity.issue(authority, Instant.now().minusSeconds(7200), Duration.ofHours(1), RANDOM));
        Client expired = connect(authority.publicKey(), false);
        assertEquals(NoiseException.Reason.CERTIFICATE_EXPIRED,
                ((NoiseFailure) expired.collector().events.poll(10, TimeUnit.SECONDS)).reason());
        assertTrue(expired.channel().closeFuture().await(10, TimeUnit.SECONDS));

        IDENTITY.set(ServerIdentity.issue(authority, Instant.now().plusSeconds(3600), Duration.ofHours(1), RANDOM));
        Client early = connect(authority.publicKey(), false);
        assertEquals(NoiseException.Reason.CERTIFICATE_NOT_YET_VALID,
                ((NoiseFailure) early.collector().events.poll(10, TimeUnit.SECONDS)).reason());
        assertTrue(early.channel().closeFuture().await(10, TimeUnit.SECONDS));

        IDENTITY.set(goodIdentity);
        assertGoodConnectionStillWorks();
    }

    @Test
    void certificateOfAnotherKeyIsRefused() throws Exception {
        IDENTITY.set(ServerIdentity.of(NoiseKeyPair.generate(RANDOM), goodIdentity.certificate()));
        Client client = connect(authority.publicKey(), false);
        assertEquals(NoiseException.Reason.WRONG_AUTHORITY,
                ((NoiseFailure) client.collector().events.poll(10, TimeUnit.SECONDS)).reason());
        assertTrue(client.channel().closeFuture().await(10, TimeUnit.SECONDS));
        IDENTITY.set(goodIdentity);
        assertGoodConnectionStillWorks();
    }

    /** A raw-socket client that performs the handshake itself, to send arbitrary bytes afterwards. */
    private static final class RawClient implements AutoCloseable {
        final Socket socket;
        final OutputStream out;
        final InputStream in;
        NoiseSession session;

        RawClient() throws IOException {
            socket = new Socket();
            socket.connect(serverChannel.localAddress(), 5000);
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = socket.getInputStream();
        }

        RawClient handshake() throws Exception {
            NoiseInitiator initiator = NoiseInitiator.create(authority.publicKey(), RANDOM);
            out.write(initiator.writeAct1());
            out.flush();
            byte[] act2 = new byte[NoiseInitiator.ACT2_LENGTH];
            new DataInputStream(in).readFully(act2);
            session = initiator.readAct2(act2, System.currentTimeMillis() / 1000);
            return this;
        }

        byte[] encrypt(byte[] frame) throws NoiseException {
            return session.encryptFrame(frame, 0, frame.length);
        }

        void send(byte[] wire) throws IOException {
            out.write(wire);
            out.flush();
        }

        /** True once the server has closed: read hits end of stream (or a reset). */
        boolean closedByServer() throws IOException {
            try {
                while (true) {
                    if (in.read() < 0) {
                        return true;
                    }
                }
            } catch (SocketException reset) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static NoiseFailure nextServerFailure() throws InterruptedException {
        NoiseFailure failure = SERVER_FAILURES.poll(10, TimeUnit.SECONDS);
        assertNotNull(failure, "server reported no failure");
        return failure;
    }

    @Test
    void tamperedCiphertextByteClosesTheConnection() throws Exception {
        try (RawClient raw = new RawClient().handshake()) {
            byte[] wire = raw.encrypt(frame(40, 1));
            wire[30] ^= 0x04;
            raw.send(wire);
            assertTrue(raw.closedByServer());
        }
        assertEquals(NoiseException.Reason.BAD_MAC, nextServerFailure().reason());
        assertGoodConnectionStillWorks();
    }

    @Test
    void replayedFrameClosesTheConnection() throws Exception {
        try (RawClient raw = new RawClient().handshake()) {
            byte[] wire = raw.encrypt(frame(40, 2));
            raw.send(wire);
            byte[] echoed = new byte[wire.length];
            new DataInputStream(raw.in).readFully(echoed);
            raw.send(wire);
            assertTrue(raw.closedByServer());
        }
        assertEquals(NoiseException.Reason.BAD_MAC, nextServerFailure().reason());
        assertGoodConnectionStillWorks();
    }

    @Test
    void reorderedFramesCloseTheConnection() throws Exception {
        try (RawClient raw = new RawClient().handshake()) {
            byte[] first = raw.encrypt(frame(10, 3));
            byte[] second = raw.encrypt(frame(10, 4));
            raw.send(second);
            raw.send(first);
            assertTrue(raw.closedByServer());
        }
        assertEquals(NoiseException.Reason.BAD_MAC, nextServerFailure().reason());
        assertGoodConnectionStillWorks();
    }

    @Test
    void oversizedFrameClosesTheConnection() throws Exception {
        try (RawClient raw = new RawClient().handshake()) {
            // Only the header is needed: the server must refuse as soon as it reads the length.
            byte[] wire = raw.encrypt(frame(MAX_PAYLOAD + 1, 5));
            raw.send(Arrays.copyOf(wire, NoiseSession.ENCRYPTED_HEADER_LENGTH));
            assertTrue(raw.closedByServer());
        }
        NoiseFailure failure = nextServerFailure();
        assertEquals(NoiseException.Reason.FRAME_TOO_LARGE, failure.reason());
        assertFalse(failure.duringHandshake());
        assertGoodConnectionStillWorks();
    }

    @Test
    void truncatedAct1IsDroppedAtTheHandshakeTimeout() throws Exception {
        try (RawClient raw = new RawClient()) {
            raw.send(new byte[30]);
            assertTrue(raw.closedByServer());
        }
        NoiseFailure failure = nextServerFailure();
        assertEquals(NoiseException.Reason.TRUNCATED, failure.reason());
        assertTrue(failure.duringHandshake());
        assertGoodConnectionStillWorks();
    }

    @Test
    void silentConnectionIsDroppedAtTheHandshakeTimeout() throws Exception {
        try (RawClient raw = new RawClient()) {
            assertTrue(raw.closedByServer());
        }
        assertEquals(NoiseException.Reason.HANDSHAKE_TIMEOUT, nextServerFailure().reason());
        assertGoodConnectionStillWorks();
    }

    @Test
    void truncatedAct2IsReportedByTheClient() throws Exception {
        try (ServerSocket fake = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            fake.setSoTimeout(10_000);
            Client client = connect(authority.publicKey(), false, fake.getLocalSocketAddress());
            try (Socket accepted = fake.accept()) {
                new DataInputStream(accepted.getInputStream()).readFully(new byte[NoiseInitiator.ACT1_LENGTH]);
                accepted.getOutputStream().write(new byte[100]);
                accepted.getOutputStream().flush();
            }
            NoiseFailure failure = (NoiseFailure) client.collector().events.poll(10, TimeUnit.SECONDS);
            assertEquals(NoiseException.Reason.TRUNCATED, failure.reason());
            assertTrue(client.channel().closeFuture().await(10, TimeUnit.SECONDS));
        }
        assertGoodConnectionStillWorks();
    }

    @Test
    void certificateFieldsReachTheClient() throws Exception {
        Client client = connect(authority.publicKey(), false);
        try {
            NoiseHandshakeComplete done = (NoiseHandshakeComplete) client.collector().events.poll(10, TimeUnit.SECONDS);
            SignatureNoiseMessage cert = done.serverCertificate();
            assertEquals(SignatureNoiseMessage.CURRENT_VERSION, cert.version());
            assertEquals(goodIdentity.certificate().notValidAfter(), cert.notValidAfter());
        } finally {
            client.channel().close().sync();
        }
    }
}
