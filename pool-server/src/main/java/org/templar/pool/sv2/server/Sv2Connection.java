package org.templar.pool.sv2.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.session.Sv2Output;
import org.templar.pool.sv2.session.Sv2Session;
import org.templar.pool.sv2.transport.NoiseFailure;
import org.templar.pool.sv2.transport.NoiseHandshakeComplete;
import org.templar.pool.transport.OutboundGuard;
import org.templar.pool.transport.PeerAddress;
import org.templar.pool.transport.SessionHandle;

/**
 * Bridges one connection of an {@link Sv2Listener} to its session: decoded records in, records out (the
 * codec and Noise handlers below turn them into encrypted frames). A decoding error closes the
 * connection (after a malformed frame nothing can be trusted) and counts against the address; so
 * does a client that has not set up, or not started working, by the listener's deadlines, or one
 * that stays silent too long.
 */
final class Sv2Connection<S extends Sv2Session> extends SimpleChannelInboundHandler<Sv2Message>
        implements Sv2Output, SessionHandle<S> {
    private static final Logger log = LoggerFactory.getLogger(Sv2Connection.class);

    private final Sv2Listener<S> listener;
    private Channel channel;
    private S session;
    private String connectionId;
    private long openedAtNanos;
    private ScheduledFuture<?> setupTimeout;
    private ScheduledFuture<?> workTimeout;
    /** Why the pool closed the connection, for the disconnect line; null while open or when the client left. */
    private String closeReason;

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
        connectionId = listener.nextConnectionId();
        session = listener.newSession(this, connectionId);
        openedAtNanos = System.nanoTime();
        listener.operatorsLog("{} connected from {}", connectionId, peerText());
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof NoiseHandshakeComplete) {
            // a client that completed the handshake must set up promptly, or it only holds a slot
            Duration setup = listener.options().setupTimeout();
            setupTimeout = ctx.executor().schedule(() -> {
                if (session != null && !session.isSetUp()) {
                    close("no SetupConnection within " + setup);
                }
            }, setup.toMillis(), TimeUnit.MILLISECONDS);
            Duration work = listener.options().workTimeout();
            if (!work.isZero()) {
                workTimeout = ctx.executor().schedule(() -> {
                    if (session != null && !session.isWorking()) {
                        close(listener.options().notWorking() + " within " + work);
                    }
                }, work.toMillis(), TimeUnit.MILLISECONDS);
            }
        } else if (evt instanceof NoiseFailure failure) {
            closeReason = "Noise " + (failure.duringHandshake() ? "handshake" : "transport") + " failed: " + failure.message();
            listener.noiseFailed(remoteAddress(), failure);
        } else if (evt instanceof IdleStateEvent) {
            listener.idleTimedOut();
            close("no complete frame for too long");
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
            // a frame or message that does not decode: protocol abuse, counted against the address
            log.debug("{}: closing after {}", channel == null ? "?" : remoteAddress(), cause.toString());
            if (closeReason == null) {
                closeReason = "undecodable message: " + cause.getMessage();
            }
            listener.protocolError(peer());
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (setupTimeout != null) {
            setupTimeout.cancel(false);
        }
        if (workTimeout != null) {
            workTimeout.cancel(false);
        }
        if (session != null) {
            String summary = session.summary();
            session.onClosed();
            listener.sessionClosed(this);
            long seconds = (System.nanoTime() - openedAtNanos) / 1_000_000_000L;
            listener.operatorsLog("{} disconnected from {} ({}){}, {}", connectionId, peerText(),
                    closeReason == null ? "closed by the client" : closeReason, summary.isEmpty() ? "" : ": " + summary,
                    Duration.ofSeconds(seconds).toString().substring(2).toLowerCase(Locale.ROOT));
        }
        ctx.fireChannelInactive();
    }

    // ---- Sv2Output

    @Override
    public void send(Sv2Message message) {
        if (channel.isActive()) {
            channel.writeAndFlush(message, channel.voidPromise());
        }
    }

    @Override
    public void close(String reason) {
        log.debug("{}: closing: {}", remoteAddress(), reason);
        if (closeReason == null) {
            closeReason = reason;
        }
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public long pendingOutboundBytes() {
        return channel == null ? 0 : OutboundGuard.pendingBytes(channel);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return channel == null ? null : PeerAddress.of(channel);
    }

    @Override
    public InetAddress peer() {
        InetSocketAddress a = remoteAddress();
        return a == null ? null : a.getAddress();
    }

    private String peerText() {
        InetAddress a = peer();
        return a == null ? "?" : a.getHostAddress();
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }
}
