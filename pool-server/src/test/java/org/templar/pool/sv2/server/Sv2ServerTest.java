package org.templar.pool.sv2.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.ExtranonceAllocator;
import org.templar.pool.core.PayoutMode;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.PoolMetrics;
import org.templar.pool.core.VardiffSettings;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2Frame;
import org.templar.pool.sv2.codec.Sv2FrameDecoder;
import org.templar.pool.sv2.codec.Sv2FrameEncoder;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2MessageHandler;
import org.templar.pool.sv2.mining.Sv2MiningSettings;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import org.templar.pool.sv2.noise.RotatingServerIdentity;
import org.templar.pool.sv2.transport.NoiseHandler;
import org.templar.pool.sv2.transport.NoiseHandshakeComplete;
import org.templar.pool.sv2.transport.NoiseTransportConfig;

/**
 * The SV2 listener's transport on loopback (no node: the pool has no template, so no channel can
 * open): Noise handshake with the authority's certificate, timeouts that drop idle connections,
 * malformed frames closing only their own connection, Reconnect to every connection.
 */
@Timeout(30)
class Sv2ServerTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final AuthorityKeyPair authority = AuthorityKeyPair.generate(RANDOM);
    private final ExtranonceAllocator extranonces = new ExtranonceAllocator();
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Sv2Server server;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws Exception {
        PoolContext pool = new PoolContext(new Authorizer(BitcoinNetwork.REGTEST, PayoutMode.SOLO, Optional.empty()),
                extranonces, null, () -> null, VardiffSettings.regtest(), 0x1fffe000, PoolMetrics.NONE,
                new org.templar.pool.core.BanList());
        boss = new NioEventLoopGroup(1);
        workers = new NioEventLoopGroup(1);
        server = new Sv2Server(pool, Sv2MiningSettings.defaults().withTimeouts(Duration.ofMillis(800),
                Duration.ofMillis(1600)), new RotatingServerIdentity(authority, Duration.ofHours(1), Clock.systemUTC(),
                RANDOM), NoiseTransportConfig.defaults(), 60);
        address = server.start(boss, workers, new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        server.close();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A minimal client: Noise initiator pinned to the authority, the codec, a queue of what arrives. */
    private final class Client implements AutoCloseable {
        final EventLoopGroup group = new NioEventLoopGroup(1);
        final BlockingQueue<Sv2Message> inbox = new LinkedBlockingQueue<>();
        final CountDownLatch handshake = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        final Channel channel;

        Client() throws Exception {
            channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(NoiseHandler.client(authority.publicKey(), NoiseTransportConfig.defaults()),
                                    new Sv2FrameDecoder(), new Sv2FrameEncoder(), Sv2MessageHandler.INSTANCE,
                                    new SimpleChannelInboundHandler<Sv2Message>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, Sv2Message m) {
                                            inbox.add(m);
                                        }

                                        @Override
                                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                            if (evt instanceof NoiseHandshakeComplete) {
                                                handshake.countDown();
                                            }
                                        }

                                        @Override
                                        public void channelInactive(ChannelHandlerContext ctx) {
                                            closed.countDown();
                                        }
                                    });
                        }
                    }).connect(address).sync().channel();
            assertTrue(handshake.await(10, TimeUnit.SECONDS), "Noise handshake against the pinned authority");
        }

        Sv2Message next() throws InterruptedException {
            Sv2Message m = inbox.poll(10, TimeUnit.SECONDS);
            assertTrue(m != null, "a message within 10 s");
            return m;
        }

        boolean closedWithin(Duration d) throws InterruptedException {
            return closed.await(d.toMillis(), TimeUnit.MILLISECONDS);
        }

        void setup() throws InterruptedException {
            channel.writeAndFlush(new Sv2Common.SetupConnection(0, 2, 2, 0, Str0255.of("h"), 1, Str0255.of("v"),
                    Str0255.EMPTY, Str0255.EMPTY, Str0255.EMPTY)).syncUninterruptibly();
            assertInstanceOf(Sv2Common.SetupConnectionSuccess.class, next());
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void silentClientIsDroppedAfterTheSetupTimeout() throws Exception {
        try (Client c = new Client()) {
            assertFalse(c.closedWithin(Duration.ofMillis(300)), "not before the timeout");
            assertTrue(c.closedWithin(Duration.ofSeconds(5)));
            assertTrue(c.inbox.isEmpty());
        }
    }

    @Test
    void setUpClientWithoutChannelIsDroppedAfterTheChannelTimeout() throws Exception {
        try (Client c = new Client()) {
            c.setup();
            assertFalse(c.closedWithin(Duration.ofMillis(900)), "set up in time: the setup timeout does not apply");
            assertTrue(c.closedWithin(Duration.ofSeconds(5)), "but a connection without channels goes");
        }
    }

    @Test
    void malformedFrameClosesOnlyItsConnection() throws Exception {
        try (Client good = new Client(); Client bad = new Client()) {
            good.setup();
            // a SetupConnection frame whose payload is two bytes: the codec cannot decode it
            bad.channel.writeAndFlush(new Sv2Frame(0, false, 0x00, Bytes.of(1, 2))).syncUninterruptibly();
            assertTrue(bad.closedWithin(Duration.ofSeconds(5)));
            assertTrue(bad.inbox.isEmpty());
            assertFalse(good.closedWithin(Duration.ofMillis(200)));
            server.reconnectAll("", 0);
            Sv2Common.Reconnect r = assertInstanceOf(Sv2Common.Reconnect.class, good.next());
            assertEquals(0, r.newPort());
            assertEquals(0, extranonces.liveCount());
        }
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (server.connectionCount() > 0 && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertEquals(0, server.connectionCount(), "closed connections are forgotten");
    }
}
