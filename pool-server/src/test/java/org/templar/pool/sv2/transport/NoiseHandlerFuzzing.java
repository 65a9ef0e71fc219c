package org.templar.pool.sv2.transport;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
 */
abstract class NoiseHandlerFuzzing {

    static final SecureRandom RANDOM = new SecureRandom();
    static final AuthorityKeyPair AUTHORITY = AuthorityKeyPair.generate(RANDOM);
    static final ServerIdentity IDENTITY =
            ServerIdentity.issue(AUTHORITY, Instant.now().minusSeconds(60), Duration.ofDays(3650), RANDOM);

    static void feed(EmbeddedChannel channel, FuzzedDataProvider data) {
        try {
            drain(channel);
            while (data.remainingBytes() > 0 && channel.isOpen()) {
                byte[] piece = data.consumeBytes(data.consumeInt(1, 300));
                channel.writeInbound(Unpooled.wrappedBuffer(piece));
                channel.checkException();
                drain(channel);
            }
        } finally {
            channel.finishAndReleaseAll();
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
