package org.templar.pool.sv2.transport;

import io.netty.channel.ChannelPipeline;
import org.templar.pool.sv2.codec.Sv2FrameDecoder;
import org.templar.pool.sv2.codec.Sv2FrameEncoder;
import org.templar.pool.sv2.codec.Sv2MessageHandler;
import org.templar.pool.sv2.noise.AuthorityPublicKey;

/**
 * The transport of every Stratum V2 client connection Templar opens (Job Declaration, upstream
 * mining, Template Distribution): Noise NX initiator pinned to the server's authority key, SV2 frames,
 * typed messages. The session handler goes after it and receives {@code Sv2Message}s, the
 * {@link NoiseHandshakeComplete} event when it may start, and writes {@code Sv2Message}s.
 */
public final class Sv2ClientPipeline {
    private Sv2ClientPipeline() {
    }

    public static ChannelPipeline install(ChannelPipeline pipeline, AuthorityPublicKey authority) {
        return pipeline.addLast("noise", NoiseHandler.client(authority, NoiseTransportConfig.defaults()))
                .addLast("frames", new Sv2FrameDecoder())
                .addLast("framesOut", new Sv2FrameEncoder())
                .addLast("messages", Sv2MessageHandler.INSTANCE);
    }
}
