package org.templar.pool.sv2.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.bitcoinj.base.BitcoinNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.BanList;
import org.templar.pool.core.ExtranonceAllocator;
import org.templar.pool.core.PayoutMode;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.PoolMetrics;
import org.templar.pool.core.VardiffSettings;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
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
import org.templar.pool.transport.TrustedProxies;

/** SV2 behind a trusted proxy: the PROXY header comes before the Noise handshake, its address is the miner's. */
@Timeout(60)
class Sv2ProxyProtocolTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void noiseSessionBehindATrustedProxyIsKnownByTheMinersAddress() throws Exception {
        AuthorityKeyPair authority = AuthorityKeyPair.generate(RANDOM);
        BanList bans = new BanList();
        PoolContext pool = new PoolContext(new Authorizer(BitcoinNetwork.REGTEST, PayoutMode.SOLO, Optional.empty()),
                new ExtranonceAllocator(), null, () -> null, VardiffSettings.regtest(), 0x1fffe000, PoolMetrics.NONE, bans);
        EventLoopGroup group = new NioEventLoopGroup(1);
        Sv2Server server = new Sv2Server(pool, Sv2MiningSettings.defaults(), new RotatingServerIdentity(authority,
                Duration.ofHours(1), Clock.systemUTC(), RANDOM), NoiseTransportConfig.defaults(), 60)
                .proxyProtocolFrom(TrustedProxies.parse(List.of("127.0.0.1/32")));
        try {
            InetSocketAddress address = server.start(group, group, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            BlockingQueue<Sv2Message> inbox = new LinkedBlockingQueue<>();
            CountDownLatch handshake = new CountDownLatch(1);
            CountDownLatch closed = new CountDownLatch(1);
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                    // what HAProxy's send-proxy writes, in clear, before the Noise handshake
                                    ctx.writeAndFlush(Unpooled.copiedBuffer("PROXY TCP4 203.0.113.9 127.0.0.1 4242 3336\r\n",
                                            StandardCharsets.US_ASCII));
                                    ctx.fireChannelActive();
                                }
                            }, NoiseHandler.client(authority.publicKey(), NoiseTransportConfig.defaults()),
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
            assertTrue(handshake.await(10, TimeUnit.SECONDS), "Noise handshake after the PROXY header");
            ch.writeAndFlush(new Sv2Common.SetupConnection(0, 2, 2, 0, Str0255.of("h"), 1, Str0255.of("v"),
                    Str0255.EMPTY, Str0255.EMPTY, Str0255.EMPTY)).syncUninterruptibly();
            assertInstanceOf(Sv2Common.SetupConnectionSuccess.class, inbox.poll(10, TimeUnit.SECONDS));
            assertEquals(0, server.kickAddress(InetAddress.getLoopbackAddress()), "not known by the proxy's address");
            assertEquals(1, server.kickAddress(InetAddress.getByName("203.0.113.9")));
            assertTrue(closed.await(5, TimeUnit.SECONDS), "the miner's connection is closed by its address");
        } finally {
            server.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
