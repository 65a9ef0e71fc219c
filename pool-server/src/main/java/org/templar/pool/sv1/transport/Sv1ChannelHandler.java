package org.templar.pool.sv1.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.CharsetUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.sv1.codec.Sv1Decoder;
import org.templar.pool.sv1.codec.Sv1Encoder;
import org.templar.pool.sv1.codec.Sv1Error;
import org.templar.pool.sv1.codec.Sv1Id;
import org.templar.pool.sv1.codec.Sv1Message;
import org.templar.pool.sv1.codec.Sv1ProtocolException;
import org.templar.pool.sv1.codec.Sv1Response;
import org.templar.pool.sv1.session.Sv1Output;
import org.templar.pool.sv1.session.Sv1Session;
import org.templar.pool.transport.OutboundGuard;
import org.templar.pool.transport.SessionHandle;

/**
 * Bridges one channel to its {@link Sv1Session}: lines in (already split by the frame decoder), JSON
 * lines out. The only SV1 class that touches Netty besides the server bootstrap.
 */
final class Sv1ChannelHandler extends SimpleChannelInboundHandler<ByteBuf>
        implements Sv1Output, SessionHandle<Sv1Session> {
    private static final Logger log = LoggerFactory.getLogger(Sv1ChannelHandler.class);

    private final Sv1Server server;
    private Channel channel;
    private Sv1Session session;
    private long openedAtNanos;
    /** Why the pool closed the connection, for the disconnect line; null while open or when the miner left. */
    private String closeReason;
    // While the read loop hands us lines, answers are written and flushed once when it completes: a
    // miner's configure + subscribe + authorize then costs one write syscall instead of five (its
    // answers, the difficulty and the first job), and so does a burst of pipelined submits (issue 12).
    private boolean reading;
    private boolean flushPending;

    Sv1ChannelHandler(Sv1Server server) {
        this.server = server;
    }

    @Override
    public Sv1Session session() {
        return session;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        session = server.newSession(this);
        openedAtNanos = System.nanoTime();
        server.pool().policy().log().info("{} connected from {}{}", session.connectionId(), peerText(),
                org.templar.pool.transport.PeerAddress.isProxied(channel) ? " (via proxy " + channel.remoteAddress() + ")" : "");
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
        reading = true;
        if (line.readableBytes() == 0) {
            return; // blank lines between messages are harmless
        }
        String text = line.toString(CharsetUtil.UTF_8);
        Sv1Message message;
        try {
            message = Sv1Decoder.decodeFromMiner(text);
        } catch (Sv1ProtocolException e) {
            server.pool().policy().autoBans().onProtocolError(peer());
            session.onProtocolError(Sv1Id.NULL, e.error());
            return;
        }
        session.onMessage(message);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            // the rest of the oversized line cannot be trusted to resynchronize: answer and close
            Sv1Response error = Sv1Response.error(Sv1Id.NULL,
                    new Sv1Error(Sv1Error.INVALID_REQUEST, "Line too long: the limit is " + server.maxLineLength() + " bytes"));
            ctx.writeAndFlush(encode(error)).addListener(ChannelFutureListener.CLOSE);
            closeReason = "line over " + server.maxLineLength() + " bytes";
            log.debug("{}: closed, line over {} bytes", remoteAddress(), server.maxLineLength());
            server.pool().policy().autoBans().onProtocolError(peer());
        } else if (cause instanceof IOException) {
            ctx.close(); // connection reset and the like: nothing to say
        } else {
            log.warn("{}: closing after unexpected error", remoteAddress(), cause);
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (session != null) {
            session.onClosed();
            server.sessionClosed(this);
            long seconds = (System.nanoTime() - openedAtNanos) / 1_000_000_000L;
            server.pool().policy().log().info("{} disconnected from {} ({}): worker {}, shares {} accepted / {} rejected, {}",
                    session.connectionId(), peerText(), closeReason == null ? "closed by the miner" : closeReason,
                    session.worker().map(w -> w.username()).orElse("none"), session.sharesAccepted(),
                    session.sharesRejected(), java.time.Duration.ofSeconds(seconds).toString().substring(2).toLowerCase(java.util.Locale.ROOT));
        }
        ctx.fireChannelInactive();
    }

    // ---- Sv1Output

    @Override
    public void send(Sv1Message message) {
        if (channel.isActive()) {
            write(encode(message));
        }
    }

    @Override
    public void sendLine(byte[] encoded) {
        if (channel.isActive()) {
            write(channel.alloc().buffer(encoded.length).writeBytes(encoded));
        }
    }

    private void write(ByteBuf line) {
        if (reading && channel.eventLoop().inEventLoop()) {
            channel.write(line, channel.voidPromise());
            flushPending = true;
        } else {
            channel.writeAndFlush(line, channel.voidPromise());
        }
    }

    private ByteBuf encode(Sv1Message message) {
        StringBuilder line = new StringBuilder(128);
        Sv1Encoder.encode(message, line);
        return ByteBufUtil.writeUtf8(channel.alloc(), line.append('\n'));
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
