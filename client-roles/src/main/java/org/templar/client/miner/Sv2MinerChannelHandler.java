package org.templar.client.miner;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.ReadTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.transport.NoiseFailure;
import org.templar.pool.sv2.transport.NoiseHandshakeComplete;

/**
 * Transport glue for one Stratum V2 pool connection: the last handler of
 * {@code NoiseHandler.client -> Sv2FrameDecoder/Encoder -> Sv2MessageHandler -> this}. Typed messages in,
 * handshake events turned into session calls; the only SV2 miner code that sees a Netty pipeline.
 */
final class Sv2MinerChannelHandler extends SimpleChannelInboundHandler<Sv2Message> {
    private static final Logger LOG = LoggerFactory.getLogger(Sv2MinerChannelHandler.class);

    private final Sv2MinerSession session;

    Sv2MinerChannelHandler(Sv2MinerSession session) {
        super(Sv2Message.class);
        this.session = session;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof NoiseHandshakeComplete done) {
            LOG.info("connected to pool {}: Noise handshake done, certificate valid until {}",
                    ctx.channel().remoteAddress(), java.time.Instant.ofEpochSecond(done.serverCertificate().notValidAfter()));
            session.start();
        } else if (evt instanceof NoiseFailure failure) {
            // A wrong authority key is how a hijacked or impostor pool shows: say so loudly.
            LOG.error("pool {} failed the Noise handshake ({}): {}", ctx.channel().remoteAddress(), failure.reason(),
                    failure.message());
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Sv2Message message) {
        session.onMessage(message);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ReadTimeoutException) {
            LOG.warn("pool silent for too long; dropping the connection");
        } else {
            // A message we cannot decode means the stream can no longer be trusted.
            LOG.warn("pool connection error: {}", cause.toString());
        }
        ctx.close();
    }
}
