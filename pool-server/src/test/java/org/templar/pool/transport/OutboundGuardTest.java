package org.templar.pool.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.templar.pool.core.PoolMetrics;

/**
 * The guard on its own: writes held unflushed stand for a peer that does not read (an embedded channel
 * takes everything flushed at once). Reading stops at the high-water mark, resumes below the low one,
 * and the connection closes, once, past the cap.
 */
class OutboundGuardTest {
    private final List<Long> overflows = new ArrayList<>();
    private final AtomicInteger readsAsked = new AtomicInteger();

    private EmbeddedChannel channel(OutboundLimit limit) {
        PoolMetrics metrics = new PoolMetrics() {
            @Override
            public void outboundOverflow(String protocol, long pendingBytes) {
                assertEquals("test", protocol);
                overflows.add(pendingBytes);
            }

            @Override
            public void shareAccepted(String protocol, org.templar.share.Difficulty difficulty) {}

            @Override
            public void shareRejected(String protocol, String reason) {}

            @Override
            public void blockFound(int height, org.templar.payout.BlockStatus status) {}

            @Override
            public void connectionOpened(String protocol) {}

            @Override
            public void connectionClosed(String protocol) {}

            @Override
            public void jobsBroadcast(String protocol, int sessions, long nanos) {}
        };
        // counts the reads that get past the guard (it sits nearer the socket)
        ChannelOutboundHandlerAdapter readCounter = new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                readsAsked.incrementAndGet();
                ctx.read();
            }
        };
        return new EmbeddedChannel(readCounter, new OutboundGuard(limit, "test", metrics));
    }

    @Test
    void stopsReadingAtTheHighWaterMarkAndResumesBelowTheLow() {
        OutboundLimit limit = OutboundLimit.ofCap(64 * 1024); // high 16 KiB, low 8 KiB
        EmbeddedChannel ch = channel(limit);
        assertEquals(16 * 1024, ch.config().getWriteBufferHighWaterMark());
        ch.write(Unpooled.wrappedBuffer(new byte[10 * 1024]));
        assertTrue(ch.isWritable());
        assertTrue(ch.config().isAutoRead());
        ch.write(Unpooled.wrappedBuffer(new byte[10 * 1024]));
        assertFalse(ch.isWritable(), "20 KiB owed: above the high-water mark");
        assertFalse(ch.config().isAutoRead(), "so the peer is not read from");
        int before = readsAsked.get();
        ch.read(); // what a frame decoder does after a partial frame
        assertEquals(before, readsAsked.get(), "and a decoder's extra read waits too");

        ch.flush(); // the peer drained everything
        assertTrue(ch.isWritable());
        assertTrue(ch.config().isAutoRead(), "reading resumes");
        assertTrue(readsAsked.get() > before, "with a read");
        assertTrue(ch.isOpen());
        assertTrue(overflows.isEmpty());
        releaseAll(ch);
        ch.finishAndReleaseAll();
    }

    @Test
    void closesOncePastTheCapAndCountsIt() {
        EmbeddedChannel ch = channel(OutboundLimit.ofCap(64 * 1024));
        for (int i = 0; i < 7; i++) {
            ch.write(Unpooled.wrappedBuffer(new byte[8 * 1024]));
        }
        long owed = OutboundGuard.pendingBytes(ch);
        assertTrue(owed > 56 * 1024 && owed < 64 * 1024, "7 x 8 KiB and Netty's bookkeeping: " + owed);
        assertTrue(ch.isOpen(), "under the cap: unwritable, but open (announcements are not dropped)");
        assertTrue(overflows.isEmpty());
        ch.write(Unpooled.wrappedBuffer(new byte[8 * 1024]));
        assertFalse(ch.isOpen(), "past it: closed");
        assertEquals(1, overflows.size());
        assertTrue(overflows.get(0) > 64 * 1024 && overflows.get(0) < 72 * 1024, "what it owed: " + overflows);
        ch.write(Unpooled.wrappedBuffer(new byte[1])); // fails on the closed channel, released by it
        assertEquals(1, overflows.size(), "counted once");
        ch.finishAndReleaseAll();
    }

    private static void releaseAll(EmbeddedChannel ch) {
        for (Object o; (o = ch.readOutbound()) != null;) {
            io.netty.util.ReferenceCountUtil.release(o);
        }
    }
}
