package org.templar.ops;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2FrameDecoder;
import org.templar.pool.sv2.codec.Sv2FrameEncoder;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2MessageHandler;
import org.templar.pool.sv2.noise.AuthorityPublicKey;
import org.templar.pool.sv2.transport.NoiseHandler;
import org.templar.pool.sv2.transport.NoiseHandshakeComplete;
import org.templar.pool.sv2.transport.NoiseTransportConfig;

/**
 * A small blocking Stratum V2 client for tests: a real Noise handshake against the pinned authority
 * key and the project's codec, then typed messages in and out. Messages the test is not waiting for
 * are kept (in order) until asked for.
 */
final class Sv2TestClient implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(20);

    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel channel;
    private final BlockingQueue<Sv2Message> inbox = new LinkedBlockingQueue<>();
    private final List<Sv2Message> kept = new ArrayList<>();
    private final CountDownLatch handshake = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);

    Sv2TestClient(InetSocketAddress pool, AuthorityPublicKey authority) throws Exception {
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(NoiseHandler.client(authority, NoiseTransportConfig.defaults()),
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
                                        ctx.fireUserEventTriggered(evt);
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        closed.countDown();
                                    }
                                });
                    }
                })
                .connect(pool).sync().channel();
        if (!handshake.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            close();
            throw new TimeoutException("Noise handshake did not complete");
        }
    }

    static Sv2Common.SetupConnection setup(long flags) {
        return setup(0, 2, 2, flags);
    }

    static Sv2Common.SetupConnection setup(int protocol, int min, int max, long flags) {
        return new Sv2Common.SetupConnection(protocol, min, max, flags, Str0255.of("127.0.0.1"), 3336,
                Str0255.of("templar-test"), Str0255.of("cpu"), Str0255.of("0.1"), Str0255.EMPTY);
    }

    void send(Sv2Message m) {
        channel.writeAndFlush(m).syncUninterruptibly();
    }

    /** The next message of this type; others received meanwhile are kept for later calls. */
    <T extends Sv2Message> T await(Class<T> type) throws Exception {
        for (Iterator<Sv2Message> it = kept.iterator(); it.hasNext();) {
            Sv2Message m = it.next();
            if (type.isInstance(m)) {
                it.remove();
                return type.cast(m);
            }
        }
        long end = System.nanoTime() + WAIT.toNanos();
        while (true) {
            long left = end - System.nanoTime();
            Sv2Message m = left <= 0 ? null : inbox.poll(left, TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new TimeoutException("no " + type.getSimpleName() + " within " + WAIT + "; kept: " + kept);
            }
            if (type.isInstance(m)) {
                return type.cast(m);
            }
            kept.add(m);
        }
    }

    /** Everything received so far and not yet taken, in order (waits briefly for stragglers). */
    List<Sv2Message> drain(Duration quiet) throws InterruptedException {
        List<Sv2Message> all = new ArrayList<>(kept);
        kept.clear();
        Sv2Message m;
        while ((m = inbox.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
            all.add(m);
        }
        return all;
    }

    boolean awaitClosed(Duration timeout) throws InterruptedException {
        return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
