package org.templar.pool.sv2.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.mining.Sv2Output;
import org.templar.pool.sv2.transport.NoiseHandshakeComplete;
import org.templar.pool.transport.OutboundGuard;
import org.templar.pool.transport.SessionHandle;

/**
 * Bridges one connection of an {@link Sv2Listener} to its session: decoded records in, records out.
 * A decoding error closes the connection (after a malformed frame nothing can be trusted); so does a
 * client that has not set up by the listener's deadline, or one that stays silent too long.
 */
final class Sv2Connection<S extends Sv2Listener.Session> extends SimpleChannelInboundHandler<Sv2Message>
        implements Sv2Output, SessionHandle<S> {
    private static final Logger log = LoggerFactory.getLogger(Sv2Connection.class);

    private final Sv2Listener<S> listener;
    private Channel channel;
    private S session;
    private ScheduledFuture<?> setupTimeout;

    Sv2Connection(Sv2Listener<S> listener) {
        this.listener = listener;
    }

    @Override
    public S session() {
        return session;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        session = listener.newSession(this);
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof NoiseHandshakeComplete) {
            long millis = listener.options().setupTimeout().toMillis();
            setupTimeout = ctx.executor().schedule(() -> {
                if (session != null && !session.isSetUp()) {
                    close("no SetupConnection within " + listener.options().setupTimeout());
                }
            }, millis, TimeUnit.MILLISECONDS);
        } else if (evt instanceof org.templar.pool.sv2.transport.NoiseFailure failure) {
            listener.noiseFailed(remoteAddress(), failure);
        } else if (evt instanceof IdleStateEvent) {
            close("idle for too long");
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Sv2Message message) {
        session.onMessage(message);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            log.debug("{}: closing after {}", channel == null ? "?" : remoteAddress(), cause.toString());
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (setupTimeout != null) {
            setupTimeout.cancel(false);
        }
        if (session != null) {
            session.onClosed();
            listener.sessionClosed(this);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void send(Sv2Message message) {
        if (channel.isActive()) {
            channel.writeAndFlush(message, channel.voidPromise());
        }
    }

    @Override
    public void close(String reason) {
        log.debug("{}: closing: {}", remoteAddress(), reason);
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public long pendingOutboundBytes() {
        return channel == null ? 0 : OutboundGuard.pendingBytes(channel);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return channel == null ? null : org.templar.pool.transport.PeerAddress.of(channel);
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }
}
