package org.templar.pool.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PROXY protocol (v1 text and v2 binary, Netty's haproxy codec) in front of a Stratum pipeline. From a
 * trusted proxy the header is required: the miner's address in it becomes the connection's
 * {@link PeerAddress}, and the ban list and connection caps ({@link Admission}) are checked against that
 * address before any protocol work.
 * From anyone else a PROXY header is refused (the connection is closed): an untrusted client must not
 * choose the address it is banned and limited by.
 */
public final class ProxyProtocol {
    private static final Logger log = LoggerFactory.getLogger(ProxyProtocol.class);
    /** How long a trusted proxy has to send its header after connecting. */
    static final long HEADER_TIMEOUT_MILLIS = 10_000;
    private static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private ProxyProtocol() {}

    /**
     * Puts the PROXY protocol handling and then {@code rest} in {@code ch}'s pipeline (the socket's own
     * address has passed the ban check already).
     */
    public static void install(SocketChannel ch, TrustedProxies proxies, Admission admission, ChannelHandler rest) {
        InetAddress socketPeer = ch.remoteAddress().getAddress();
        if (proxies.trusts(socketPeer)) {
            ch.pipeline().addLast("proxy-signature", new SignatureCheck(true))
                    .addLast("proxy-header", new HAProxyMessageDecoder())
                    .addLast("proxy-gate", new TrustedGate(admission, rest));
        } else {
            ch.pipeline().addLast("proxy-refuser", new SignatureCheck(false)).addLast(rest);
        }
    }

    /** Waits for the trusted proxy's header, records the miner's address, then opens the pipeline. */
    private static final class TrustedGate extends ChannelInboundHandlerAdapter {
        private final Admission admission;
        private final ChannelHandler rest;
        private ScheduledFuture<?> deadline;
        private boolean done;

        TrustedGate(Admission admission, ChannelHandler rest) {
            this.admission = admission;
            this.rest = rest;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // held back: the protocol handlers hear of the connection once its header is in
            deadline = ctx.executor().schedule(() -> {
                if (!done) {
                    log.debug("{}: closing, no PROXY header within {} ms", ctx.channel().remoteAddress(), HEADER_TIMEOUT_MILLIS);
                    ctx.close();
                }
            }, HEADER_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (done) {
                ctx.fireChannelRead(msg);
                return;
            }
            if (!(msg instanceof HAProxyMessage header)) {
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            done = true;
            if (deadline != null) {
                deadline.cancel(false);
            }
            try {
                if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
                    InetSocketAddress miner;
                    try {
                        miner = new InetSocketAddress(InetAddress.getByName(header.sourceAddress()), header.sourcePort());
                    } catch (java.net.UnknownHostException e) { // the codec validated it as numeric
                        log.debug("{}: closing, PROXY header source '{}' unusable", ctx.channel().remoteAddress(), header.sourceAddress());
                        ctx.close();
                        return;
                    }
                    ctx.channel().attr(PeerAddress.FROM_PROXY_HEADER).set(miner);
                    if (!admission.admit(ctx.channel(), miner.getAddress())) {
                        return; // banned or over the caps: closed and counted
                    }
                }
                // LOCAL (the proxy's own health check) or UNKNOWN family: the socket's address stands
            } finally {
                header.release();
            }
            DeferredPipeline.open(ctx, rest);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (done) {
                ctx.fireChannelInactive();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (done) {
                ctx.fireExceptionCaught(cause);
                return;
            }
            // no header or a malformed one from a proxy that must send one
            log.debug("{}: closing, bad or missing PROXY header: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    /**
     * Looks at a connection's first bytes for a PROXY header's signature (v1 or v2). Where a header is
     * refused (untrusted source) a signature closes the connection; where it is required (trusted
     * proxy) anything else does, at once rather than when the header decoder gives up. Otherwise this
     * handler leaves the pipeline and the bytes pass on untouched. Waits only while the bytes so far
     * could still become a signature.
     */
    static final class SignatureCheck extends ByteToMessageDecoder {
        private final boolean required;

        SignatureCheck(boolean required) {
            this.required = required;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int v1 = match(in, V1_SIGNATURE);
            int v2 = match(in, V2_SIGNATURE);
            if (v1 == PARTIAL || v2 == PARTIAL) {
                return; // wait for more
            }
            boolean header = v1 == FULL || v2 == FULL;
            if (header != required) {
                log.debug(required ? "{}: closing, no PROXY header from a trusted proxy"
                        : "{}: closing, PROXY header from an address not in limits.proxy_protocol_from",
                        ctx.channel().remoteAddress());
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            ctx.pipeline().remove(this); // hands the bytes so far to the next handler
        }

        private static final int NO = 0;
        private static final int PARTIAL = 1;
        private static final int FULL = 2;

        private static int match(ByteBuf in, byte[] signature) {
            int n = Math.min(in.readableBytes(), signature.length);
            for (int i = 0; i < n; i++) {
                if (in.getByte(in.readerIndex() + i) != signature[i]) {
                    return NO;
                }
            }
            return n == signature.length ? FULL : PARTIAL;
        }
    }
}
