package org.templar.client.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2FrameDecoder;
import org.templar.pool.sv2.codec.Sv2FrameEncoder;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2MessageHandler;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.CoinbaseOutputConstraints;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.RequestTransactionData;
import org.templar.pool.sv2.codec.Sv2TemplateDistribution.RequestTransactionDataSuccess;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import org.templar.pool.sv2.noise.ServerIdentity;
import org.templar.pool.sv2.tdp.ProvidedTemplate;
import org.templar.pool.sv2.transport.NoiseHandler;
import org.templar.pool.sv2.transport.NoiseTransportConfig;

/**
 * {@link TdpClient} over loopback Noise against a scripted provider: it sets up, declares its
 * constraints, gets a complete template, and after the provider drops every connection it connects
 * again by itself and gets the next template.
 */
@Timeout(60)
class TdpClientReconnectTest {
    final AuthorityKeyPair authority = AuthorityKeyPair.generate(new SecureRandom());
    final ServerIdentity identity = ServerIdentity.issue(authority, Instant.now().minusSeconds(60), Duration.ofHours(1),
            new SecureRandom());
    final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    final AtomicInteger connections = new AtomicInteger();
    final List<Sv2Message> received = new CopyOnWriteArrayList<>();

    /** Serves one template per connection, at height 100 + the connection's number. */
    final class Provider extends SimpleChannelInboundHandler<Sv2Message> {
        ProvidedTemplate template;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Sv2Message m) {
            received.add(m);
            if (m instanceof Sv2Common.SetupConnection) {
                ctx.writeAndFlush(new Sv2Common.SetupConnectionSuccess(2, 0));
            } else if (m instanceof CoinbaseOutputConstraints c) {
                int n = connections.get();
                BlockTemplate bt = TdpClientSessionTest.nodeTemplate(100 + n, (byte) n,
                        List.of(TdpClientSessionTest.templateTx(n, 500)));
                template = ProvidedTemplate.of(1000 + n, bt, c.coinbaseOutputMaxAdditionalSize());
                ctx.write(template.newTemplate(true));
                ctx.writeAndFlush(template.setNewPrevHash());
            } else if (m instanceof RequestTransactionData r && r.templateId() == template.templateId()) {
                ctx.writeAndFlush(new RequestTransactionDataSuccess(r.templateId(), Bytes.of(new byte[32]),
                        template.transactions().stream().map(t -> Bytes.of(t.data())).toList()));
            }
        }
    }

    @Test
    void connectsSetsUpAndComesBackAfterTheProviderDropsIt() throws Exception {
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        LinkedBlockingQueue<BlockTemplate> templates = new LinkedBlockingQueue<>();
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            channels.add(ch);
                            connections.incrementAndGet();
                            ch.pipeline().addLast(NoiseHandler.server(identity, NoiseTransportConfig.defaults()),
                                    new Sv2FrameDecoder(), new Sv2FrameEncoder(), Sv2MessageHandler.INSTANCE, new Provider());
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            InetSocketAddress address = (InetSocketAddress) server.localAddress();
            try (TdpClient client = new TdpClient(new TdpClient.Config(address, authority.publicKey()), templates::add, 31, 4,
                    Duration.ofMillis(200))) {
                client.start().get(10, TimeUnit.SECONDS);
                BlockTemplate first = templates.poll(10, TimeUnit.SECONDS);
                assertEquals(101, first.height());
                assertEquals(5_000_000_500L, first.coinbaseValue());
                assertEquals(1, first.transactions().size());
                assertArrayEquals(TdpClientSessionTest.tx(1), first.transactions().get(0).data());
                assertTrue(received.contains(new CoinbaseOutputConstraints(31, 4)), received.toString());

                channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS); // the provider drops the connection
                BlockTemplate second = templates.poll(10, TimeUnit.SECONDS);
                assertEquals(102, second.height(), "a new connection and its template");
                assertEquals(2, connections.get());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!client.isConnected() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(client.isConnected());
            }
            server.close().sync();
        } finally {
            channels.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
