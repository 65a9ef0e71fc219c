package org.templar.pool.sv2.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.transport.OutboundGuard;
import org.templar.pool.transport.SessionHandle;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.mining.Sv2MiningSession;
import org.templar.pool.sv2.mining.Sv2Output;
import org.templar.pool.sv2.transport.NoiseHandshakeComplete;

/**
 * Bridges one channel to its {@link Sv2MiningSession}: decoded message records in, records out (the
 * codec and Noise handlers below turn them into encrypted frames). Any decoding error closes the
 * connection: after a malformed frame nothing that follows can be trusted.
 */
final class Sv2ServerHandler extends SimpleChannelInboundHandler<Sv2Message>
        implements Sv2Output, SessionHandle<Sv2MiningSession> {
    private static final Logger log = LoggerFactory.getLogger(Sv2ServerHandler.class);

    private final Sv2Server server;
    private Channel channel;
    private Sv2MiningSession session;
    private ScheduledFuture<?> setupTimeout;
    private ScheduledFuture<?> channelTimeout;
    private long openedAtNanos;
    /** Why the pool closed the connection, for the disconnect line; null while open or when the miner left. */
    private String closeReason;

    Sv2ServerHandler(Sv2Server server) {
        this.server = server;
    }

    @Override
    public Sv2MiningSession session() {
        return session;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        session = server.newSession(this);
        openedAtNanos = System.nanoTime();
        server.pool().policy().log().info("{} connected from {}", session.connectionId(), peerText());
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof NoiseHandshakeComplete) {
            // a client that completed the handshake must set up promptly, or it only holds a slot
            setupTimeout = ctx.executor().schedule(() -> {
                if (session != null && !session.isSetUp()) {
                    close("no SetupConnection within " + server.settings().setupTimeout());
                }
            }, server.settings().setupTimeout().toMillis(), TimeUnit.MILLISECONDS);
            // spec 5.3.2: a connection that opens no channel within a reasonable period SHOULD be closed
            channelTimeout = ctx.executor().schedule(() -> {
                if (session != null && session.channelCount() == 0) {
                    close("no channel opened within " + server.settings().channelTimeout());
                }
            }, server.settings().channelTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } else if (evt instanceof org.templar.pool.sv2.transport.NoiseFailure failure) {
            closeReason = "Noise " + (failure.duringHandshake() ? "handshake" : "transport") + " failed: " + failure.message();
            if (failure.isGarbage()) {
                server.pool().policy().autoBans().onProtocolError(peer());
            }
        } else if (evt instanceof IdleStateEvent) {
            server.pool().metrics().connectionTimedOut("sv2", "idle");
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
        if (cause instanceof IOException) {
            ctx.close();
        } else {
            // a frame or message that does not decode: protocol abuse, counted against the address
            log.debug("{}: closing after {}", remoteAddress(), cause.toString());
            server.pool().policy().autoBans().onProtocolError(peer());
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (setupTimeout != null) {
            setupTimeout.cancel(false);
            channelTimeout.cancel(false);
        }
        if (session != null) {
            java.util.List<String> workers = session.workers().stream().map(w -> w.username()).distinct().toList();
            session.onClosed();
            server.sessionClosed(this);
            long seconds = (System.nanoTime() - openedAtNanos) / 1_000_000_000L;
            server.pool().policy().log().info("{} disconnected from {} ({}): workers {}, {}", session.connectionId(), peerText(),
                    closeReason == null ? "closed by the miner" : closeReason, workers.isEmpty() ? "none" : workers,
                    java.time.Duration.ofSeconds(seconds).toString().substring(2).toLowerCase(java.util.Locale.ROOT));
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
    public java.net.InetSocketAddress remoteAddress() {
        return channel == null ? null : org.templar.pool.transport.PeerAddress.of(channel);
    }

    @Override
    public java.net.InetAddress peer() {
        java.net.InetSocketAddress a = remoteAddress();
        return a == null ? null : a.getAddress();
    }

    private String peerText() {
        java.net.InetAddress a = peer();
        return a == null ? "?" : a.getHostAddress();
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }
}
