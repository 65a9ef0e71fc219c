package org.templar.pool.sv2.codec;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import java.util.List;

/**
 * Pipeline adapter between frames and message records:
 * {@code [noise] -> Sv2FrameDecoder/Sv2FrameEncoder -> Sv2MessageHandler -> session handler}.
 * Inbound {@link Sv2Frame} become {@link Sv2Message}s; outbound messages become frames. Holds no
 * state, so one instance may be shared by every channel.
 */
@Sharable
public final class Sv2MessageHandler extends MessageToMessageCodec<Sv2Frame, Sv2Message> {
    public static final Sv2MessageHandler INSTANCE = new Sv2MessageHandler();

    public Sv2MessageHandler() {
        super(Sv2Frame.class, Sv2Message.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Sv2Message msg, List<Object> out) {
        out.add(Sv2MessageCodec.encode(msg));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, Sv2Frame frame, List<Object> out) {
        out.add(Sv2MessageCodec.decode(frame));
    }
}
