package org.templar.pool.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right after the {@code SslHandler}: the protocol part of the pipeline is installed (and its
 * session started) only when the TLS handshake succeeds. A failed handshake (a plaintext client on
 * the TLS port, an unknown protocol version, the handshake timeout) closes the connection with one
 * DEBUG line, not a stack trace, and no session ever exists for it.
 */
public final class TlsGate extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsGate.class);
    private final ChannelHandler rest;
    private boolean open;

    public TlsGate(ChannelHandler rest) {
        this.rest = rest;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // held back until the handshake is done
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done && !open) {
            if (done.isSuccess()) {
                open = true;
                DeferredPipeline.open(ctx, rest);
            } else {
                log.debug("{}: closing, TLS handshake failed: {}", PeerAddress.of(ctx.channel()), done.cause().toString());
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (open) {
            ctx.fireChannelInactive();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (open) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        // the SslHandler's decode error (e.g. NotSslRecordException) before the handshake completed
        log.debug("{}: closing, not TLS: {}", PeerAddress.of(ctx.channel()), cause.toString());
        ctx.close();
    }
}
