package org.templar.pool.sv2.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits a plaintext byte stream into {@link Sv2Frame}s. An explicit state machine: the header is
 * parsed once, and its msg_length is checked against the configured maximum before the body is
 * awaited or any buffer sized from it is allocated, so a peer cannot make us hold 16 MB by
 * announcing it. After an oversized header the stream has no trustworthy frame boundary left: the
 * decoder fails once with {@link Sv2FrameTooLongException} and discards everything after it; the
 * transport is expected to close the connection.
 */
public final class Sv2FrameDecoder extends ByteToMessageDecoder {
    private enum State { HEADER, PAYLOAD, FAILED }

    private final int maxPayloadLength;
    private State state = State.HEADER;
    private int extensionTypeField;
    private int msgType;
    private int payloadLength;

    /** Accepts any payload a U24 length can describe (2^24-1 bytes). */
    public Sv2FrameDecoder() {
        this(Sv2Frame.MAX_PAYLOAD);
    }

    public Sv2FrameDecoder(int maxPayloadLength) {
        if (maxPayloadLength < 0 || maxPayloadLength > Sv2Frame.MAX_PAYLOAD) {
            throw new IllegalArgumentException("maxPayloadLength must be 0.." + Sv2Frame.MAX_PAYLOAD);
        }
        this.maxPayloadLength = maxPayloadLength;
    }

    public int maxPayloadLength() {
        return maxPayloadLength;
    }

    @Override
    @SuppressWarnings("fallthrough")
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEADER:
                if (in.readableBytes() < Sv2Frame.HEADER_SIZE) {
                    return;
                }
                extensionTypeField = in.readUnsignedShortLE();
                msgType = in.readUnsignedByte();
                payloadLength = in.readUnsignedMediumLE();
                if (payloadLength > maxPayloadLength) {
                    state = State.FAILED;
                    in.skipBytes(in.readableBytes());
                    throw new Sv2FrameTooLongException(payloadLength, maxPayloadLength);
                }
                state = State.PAYLOAD;
                // fall through: the body may already be here
            case PAYLOAD:
                if (in.readableBytes() < payloadLength) {
                    return;
                }
                byte[] payload = new byte[payloadLength];
                in.readBytes(payload);
                state = State.HEADER;
                out.add(Sv2Frame.fromHeader(extensionTypeField, msgType, Bytes.owned(payload)));
                return;
            case FAILED:
            default:
                in.skipBytes(in.readableBytes());
        }
    }
}
