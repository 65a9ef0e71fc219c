package org.templar.pool.sv2.jds;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.mining.Sv2Output;
import org.templar.pool.sv2.transport.NoiseHandshakeComplete;
import org.templar.pool.transport.SessionHandle;

/**
 * Bridges one JDS connection to its {@link JdsSession}: records in, records out. A decoding error
 * closes the connection (nothing after a malformed frame can be trusted); so does a client that
 * does not set up within 10 s of the handshake.
 */
final class JdsServerHandler extends SimpleChannelInboundHandler<Sv2Message>
        implements Sv2Output, SessionHandle<JdsSession> {
    private static final Logger log = LoggerFactory.getLogger(JdsServerHandler.class);
    private static final long SETUP_TIMEOUT_SECONDS = 10;

    private final JdsServer server;
    private Channel channel;
    private JdsSession session;
    private ScheduledFuture<?> setupTimeout;

    JdsServerHandler(JdsServer server) {
        this.server = server;
    }

    @Override
    public JdsSession session() {
        return session;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        session = server.newSession(this);
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof NoiseHandshakeComplete) {
            setupTimeout = ctx.executor().schedule(() -> {
                if (session != null && !session.isSetUp()) {
                    close("no SetupConnection within " + SETUP_TIMEOUT_SECONDS + " s");
                }
            }, SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
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
        log.debug("{}: closing after {}", channel == null ? "?" : channel.remoteAddress(), cause.toString());
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (setupTimeout != null) {
            setupTimeout.cancel(false);
        }
        if (session != null) {
            session.onClosed();
            server.sessionClosed(this);
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
        log.debug("{}: closing: {}", channel.remoteAddress(), reason);
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return channel == null ? null : (InetSocketAddress) channel.remoteAddress();
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }
}
