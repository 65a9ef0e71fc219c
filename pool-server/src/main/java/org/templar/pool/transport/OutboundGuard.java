package org.templar.pool.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.core.PoolMetrics;

/**
 * Back pressure for one connection, first in its pipeline so it sees the bytes as they go to the
 * socket (after Noise encryption, for SV2). While the channel is unwritable (pending bytes above the
 * high-water mark) it stops reading, so a peer that sends requests but never reads the answers cannot
 * make the pool queue more of them; reading resumes once the peer has drained below the low-water mark.
 * Writes the pool initiates (job announcements) are never dropped: past the hard cap the connection is
 * closed, counted and logged instead, because a miner missing a job without knowing it would mine
 * stale work.
 */
public final class OutboundGuard extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(OutboundGuard.class);

    private final OutboundLimit limit;
    private final String protocol;
    private final PoolMetrics metrics;
    private boolean overflowed;

    public OutboundGuard(OutboundLimit limit, String protocol, PoolMetrics metrics) {
        this.limit = Objects.requireNonNull(limit, "limit");
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** Bytes written to {@code channel} and not yet taken by the socket (0 once it is closed). */
    public static long pendingBytes(Channel channel) {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().config().setWriteBufferWaterMark(limit.waterMark());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // turning autoRead back on also asks for the next read
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Frame decoders ask for another read when a read ended mid-frame even with autoRead off; while the
     * peer owes us reading, those requests wait until the channel is writable again.
     */
    @Override
    public void read(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.read();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ctx.write(msg, promise);
        if (overflowed) {
            return; // the close is under way; the outbound buffer releases what is still queued
        }
        long pending = pendingBytes(ctx.channel());
        if (pending > limit.hardCap()) {
            overflowed = true;
            log.info("{}: closing {} connection: it does not read what the pool sends ({} bytes pending, cap {})",
                    ctx.channel().remoteAddress(), protocol, pending, limit.hardCap());
            metrics.outboundOverflow(protocol, pending);
            ctx.close();
        }
    }
}
