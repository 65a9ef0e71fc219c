package org.templar.pool.sv2.jds;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Sv2JobDeclaration;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.U256;
import org.templar.pool.sv2.session.Sv2Output;
import org.templar.pool.sv2.noise.AuthorityPublicKey;
import org.templar.pool.sv2.transport.NoiseHandshakeComplete;
import org.templar.pool.sv2.transport.Sv2ClientPipeline;

/**
 * A Job Declaration client connection: Noise NX initiator pinned to the pool's authority key, the
 * SV2 codec, and a {@link JdClientSession}. Methods may be called from any thread; they run on the
 * connection's event loop and return futures (never block inside their callbacks on that loop).
 */
public final class JdClient implements AutoCloseable {
    private final Channel channel;
    private final JdClientSession session;
    private final CompletableFuture<Void> closed;

    private JdClient(Channel channel, JdClientSession session, CompletableFuture<Void> closed) {
        this.channel = channel;
        this.session = session;
        this.closed = closed;
    }

    /**
     * Connects, completes the Noise handshake and SetupConnection; the future fails with
     * {@link JdClientSession.SetupRefused} when the JDS refuses the mode.
     *
     * @param fullTemplate Full-Template mode (DECLARE_TX_DATA), else Coinbase-only
     */
    public static CompletableFuture<JdClient> connect(EventLoopGroup group, InetSocketAddress address,
            AuthorityPublicKey authority, boolean fullTemplate) {
        CompletableFuture<JdClient> result = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Bridge bridge = new Bridge(fullTemplate, address, closed);
        new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Sv2ClientPipeline.install(ch.pipeline(), authority).addLast("session", bridge);
                    }
                })
                .connect(address).addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        result.completeExceptionally(f.cause());
                        return;
                    }
                    bridge.setUp.whenComplete((v, e) -> {
                        if (e != null) {
                            f.channel().close();
                            result.completeExceptionally(e);
                        } else {
                            result.complete(new JdClient(f.channel(), bridge.session, closed));
                        }
                    });
                });
        return result;
    }

    public CompletableFuture<Sv2JobDeclaration.AllocateMiningJobTokenSuccess> allocateToken(String userIdentifier) {
        return onLoop(s -> s.allocateToken(userIdentifier));
    }

    public CompletableFuture<JdClientSession.DeclareOutcome> declare(Bytes miningJobToken, long version,
            Bytes coinbaseTxPrefix, Bytes coinbaseTxSuffix, List<U256> wtxids, Bytes excessData,
            JdClientSession.TransactionSource source) {
        return onLoop(s -> s.declare(miningJobToken, version, coinbaseTxPrefix, coinbaseTxSuffix, wtxids, excessData,
                source));
    }

    /** Extension 0x0001 negotiation; completes with RequestExtensions.Success or .Error. */
    public CompletableFuture<Sv2Message> requestExtensions(List<Integer> requested) {
        return onLoop(s -> s.requestExtensions(requested));
    }

    /** Extension 0x0003: the payout outputs for a token and the value the coinbase leaves for them. */
    public CompletableFuture<JdClientSession.PayoutOutcome> requestPayoutOutputs(Bytes miningJobToken,
            long availablePayoutValue) {
        return onLoop(s -> s.requestPayoutOutputs(miningJobToken, availablePayoutValue));
    }

    public void pushSolution(Sv2JobDeclaration.PushSolution solution) {
        channel.eventLoop().execute(() -> session.pushSolution(solution));
    }

    /** Completes when the connection is closed (by either side). */
    public CompletableFuture<Void> closed() {
        return closed;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    private <T> CompletableFuture<T> onLoop(Function<JdClientSession, CompletableFuture<T>> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            channel.eventLoop().execute(() -> call.apply(session).whenComplete((v, e) -> {
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(v);
                }
            }));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the event loop is shut down: the connection is gone for good
            result.completeExceptionally(new IllegalStateException("the Job Declaration connection is closed", e));
        }
        return result;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    /** The transport end of the session. */
    private static final class Bridge extends SimpleChannelInboundHandler<Sv2Message> implements Sv2Output {
        final JdClientSession session;
        final CompletableFuture<Void> setUp = new CompletableFuture<>();
        final InetSocketAddress address;
        final CompletableFuture<Void> closed;
        Channel channel;

        Bridge(boolean fullTemplate, InetSocketAddress address, CompletableFuture<Void> closed) {
            this.session = new JdClientSession(this, fullTemplate);
            this.address = address;
            this.closed = closed;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof NoiseHandshakeComplete) {
                session.start(address.getHostString(), address.getPort()).whenComplete((v, e) -> {
                    if (e != null) {
                        setUp.completeExceptionally(e);
                    } else {
                        setUp.complete(null);
                    }
                });
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Sv2Message msg) {
            session.onMessage(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            session.onClosed();
            setUp.completeExceptionally(new IllegalStateException("connection closed before setup"));
            closed.complete(null);
            ctx.fireChannelInactive();
        }

        @Override
        public void send(Sv2Message message) {
            if (channel != null && channel.isActive()) {
                channel.writeAndFlush(message, channel.voidPromise());
            }
        }

        @Override
        public void close(String reason) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void execute(Runnable task) {
            channel.eventLoop().execute(task);
        }
    }
}
