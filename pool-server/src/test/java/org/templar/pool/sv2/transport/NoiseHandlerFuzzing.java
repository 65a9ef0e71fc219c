package org.templar.pool.sv2.transport;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import org.templar.pool.sv2.noise.ServerIdentity;

/**
 * Fuzz target: the Noise handshake in both roles, through the real Netty handler. The peer is the
 * fuzzer: as a client it sends act 1 and then arbitrary "encrypted" frames to the pool; as a pool it
 * answers a real client's act 1 with arbitrary act 2 bytes. Whatever arrives, the handler must end
 * in one of two states (still waiting for bytes, or closed after a {@code NoiseFailure}), throw
 * nothing into the pipeline and leak no buffer. One target per class: Jazzer fuzzes one per JVM.
 *
 * <p>Leaks are counted exactly, not sampled: every buffer of a run (the fuzzer's pieces, the
 * decoder's cumulation, decrypted frames) comes from one unpooled allocator whose metric counts
 * the bytes still held, which must be zero once the channel is closed. That is stricter than
 * Netty's paranoid leak detector (which reports a leak only when a lost buffer happens to be
 * collected) and several times cheaper, since it records no stack trace per buffer access.
 */
abstract class NoiseHandlerFuzzing {

    static final SecureRandom RANDOM = new SecureRandom();
    static final AuthorityKeyPair AUTHORITY = AuthorityKeyPair.generate(RANDOM);
    static final ServerIdentity IDENTITY =
            ServerIdentity.issue(AUTHORITY, Instant.now().minusSeconds(60), Duration.ofDays(3650), RANDOM);

    static void feed(ChannelHandler noise, FuzzedDataProvider data) throws Exception {
        // preferDirect false, leak detector off: the metric below is the leak check
        UnpooledByteBufAllocator allocator = new UnpooledByteBufAllocator(false, true);
        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        channel.config().setAllocator(allocator);
        channel.pipeline().addLast(noise);
        channel.register();
        try {
            drain(channel);
            while (data.remainingBytes() > 0 && channel.isOpen()) {
                byte[] piece = data.consumeBytes(data.consumeInt(1, 300));
                channel.writeInbound(allocator.heapBuffer(piece.length).writeBytes(piece));
                channel.checkException();
                drain(channel);
            }
        } finally {
            channel.finishAndReleaseAll();
        }
        ByteBufAllocatorMetric held = allocator.metric();
        if (held.usedHeapMemory() != 0 || held.usedDirectMemory() != 0) {
            throw new AssertionError("leaked buffers: " + held.usedHeapMemory() + " heap bytes, "
                    + held.usedDirectMemory() + " direct bytes still held after the channel closed");
        }
    }

    /** Whatever the handler wrote (act 1 or 2) or passed on (decrypted frames) is released. */
    private static void drain(EmbeddedChannel channel) {
        Object o;
        while ((o = channel.readOutbound()) != null) {
            ((ByteBuf) o).release();
        }
        while ((o = channel.readInbound()) != null) {
            io.netty.util.ReferenceCountUtil.release(o);
        }
    }
}
