package org.templar.pool.sv2.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes {@link Sv2Frame}s as header + payload; refuses payloads above the configured maximum. */
@Sharable
public final class Sv2FrameEncoder extends MessageToByteEncoder<Sv2Frame> {
    private final int maxPayloadLength;

    public Sv2FrameEncoder() {
        this(Sv2Frame.MAX_PAYLOAD);
    }

    public Sv2FrameEncoder(int maxPayloadLength) {
        super(Sv2Frame.class);
        if (maxPayloadLength < 0 || maxPayloadLength > Sv2Frame.MAX_PAYLOAD) {
            throw new IllegalArgumentException("maxPayloadLength must be 0.." + Sv2Frame.MAX_PAYLOAD);
        }
        this.maxPayloadLength = maxPayloadLength;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Sv2Frame frame, ByteBuf out) {
        if (frame.payload().length() > maxPayloadLength) {
            throw new Sv2FrameTooLongException(frame.payload().length(), maxPayloadLength);
        }
        writeFrame(frame, out);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Sv2Frame frame, boolean preferDirect) {
        int size = frame.encodedLength();
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }

    /** The 6-byte header (extension_type U16 LE with channel_msg bit, msg_type U8, msg_length U24 LE) then payload. */
    public static void writeFrame(Sv2Frame frame, ByteBuf out) {
        out.writeShortLE(frame.extensionTypeField());
        out.writeByte(frame.msgType());
        out.writeMediumLE(frame.payload().length());
        out.writeBytes(frame.payload().unsafeArray());
    }
}
