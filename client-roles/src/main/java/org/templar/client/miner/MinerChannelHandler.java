package org.templar.client.miner;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.ReadTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.sv1.codec.Sv1Decoder;
import org.templar.pool.sv1.codec.Sv1ProtocolException;

/**
 * Transport glue for one pool connection: lines in, typed messages to the {@link MinerSession}; the only
 * miner code that sees a Netty pipeline. Frames arrive already split and decoded to text by
 * {@code LineBasedFrameDecoder} + {@code StringDecoder}.
 */
final class MinerChannelHandler extends SimpleChannelInboundHandler<String> {
    private static final Logger LOG = LoggerFactory.getLogger(MinerChannelHandler.class);

    private final MinerSession session;

    MinerChannelHandler(MinerSession session) {
        this.session = session;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        LOG.info("connected to pool {}", ctx.channel().remoteAddress());
        session.start();
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, String line) {
        if (line.isBlank()) {
            return;
        }
        try {
            session.onMessage(Sv1Decoder.decodeFromPool(line));
        } catch (Sv1ProtocolException e) {
            // A pool that sends one bad line is not worth dropping the work for.
            LOG.warn("ignoring unreadable line from the pool ({}): {}", e.getMessage(),
                    line.length() > 120 ? line.substring(0, 120) + "..." : line);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            LOG.warn("pool sent a line over the limit; dropping the connection");
        } else if (cause instanceof ReadTimeoutException) {
            LOG.warn("pool silent for too long; dropping the connection");
        } else {
            LOG.warn("pool connection error: {}", cause.toString());
        }
        ctx.close();
    }
}
