package org.templar.pool.sv2.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stateless translation between plaintext {@link Sv2Frame}s and message records.
 *
 * <p>Frames are resolved by (extension_type without channel_msg bit, msg_type) through
 * {@link Sv2MessageType}; the numbers do not collide across subprotocols, so no per-connection
 * state is needed (see that enum). Policy choices, each for interoperability:
 * <ul>
 *   <li>Unknown numbers decode to {@link UnknownMessage}, never an exception.</li>
 *   <li>A known message whose channel_msg bit differs from the spec's table is still decoded (be
 *       liberal in what you accept); re-encoding writes the spec's bit.</li>
 *   <li>Bytes after a message's fields must form TLV fields (spec 3.4.3). SubmitSharesExtended keeps
 *       them (extension 0x0002); on other messages no known extension defines TLVs, and the spec
 *       says unexpected TLVs MUST be ignored, so {@link #decode} validates and drops them
 *       ({@link #decodeWithTlvs} returns them). Bytes that are not a TLV list are trailing garbage
 *       and refused.</li>
 * </ul>
 */
public final class Sv2MessageCodec {
    private static final Logger log = LoggerFactory.getLogger(Sv2MessageCodec.class);

    private Sv2MessageCodec() {
    }

    /** A message together with the TLV fields that followed its base fields. */
    public record Decoded(Sv2Message message, Sv2Tlvs tlvs) {
    }

    /** Decodes a frame; unknown numbers give an {@link UnknownMessage}. */
    public static Sv2Message decode(Sv2Frame frame) {
        Decoded d = decodeWithTlvs(frame);
        if (!d.tlvs().isEmpty() && !(d.message() instanceof Sv2Mining.SubmitSharesExtended)) {
            log.debug("ignoring {} TLV field(s) no known extension defines on {}", d.tlvs().fields().size(),
                    d.message().getClass().getSimpleName());
        }
        return d.message();
    }

    /**
     * Like {@link #decode} but also returns trailing TLV fields of any message, for a session that
     * negotiated an extension this codec does not model. (SubmitSharesExtended also keeps its own.)
     * An UnknownMessage has no TLVs: its payload is opaque.
     */
    public static Decoded decodeWithTlvs(Sv2Frame frame) {
        Optional<Sv2MessageType> type = Sv2MessageType.lookup(frame.extensionType(), frame.msgType());
        if (type.isEmpty()) {
            return new Decoded(new UnknownMessage(frame), Sv2Tlvs.NONE);
        }
        ByteBuf payload = Unpooled.wrappedBuffer(frame.payload().unsafeArray());
        try {
            Sv2Reader r = new Sv2Reader(payload);
            Sv2SpecMessage m = type.get().decode(r);
            Sv2Tlvs tlvs = m instanceof Sv2Mining.SubmitSharesExtended sse
                    ? sse.tlvs()
                    : Sv2Tlvs.decodeRemaining(r, type.get().name());
            return new Decoded(m, tlvs);
        } catch (IllegalArgumentException e) {
            // A record's own validation (e.g. a value object) refusing decoded data.
            throw new Sv2CodecException(type.get() + ": " + e.getMessage(), e);
        } finally {
            payload.release();
        }
    }

    /** Encodes a message into a frame with the spec's extension_type, channel_msg bit and msg_type. */
    public static Sv2Frame encode(Sv2Message message) {
        if (message instanceof UnknownMessage unknown) {
            return unknown.frame();
        }
        ByteBuf buf = Unpooled.buffer(64);
        try {
            message.encodePayload(new Sv2Writer(buf));
            if (buf.readableBytes() > Sv2Frame.MAX_PAYLOAD) {
                throw new Sv2CodecException(message.getClass().getSimpleName() + " payload of " + buf.readableBytes()
                        + " bytes does not fit a frame (U24 msg_length)");
            }
            byte[] payload = new byte[buf.readableBytes()];
            buf.readBytes(payload);
            return new Sv2Frame(message.extensionType(), message.channelMessage(), message.msgType(),
                    Bytes.owned(payload));
        } finally {
            buf.release();
        }
    }

    /** Convenience for tests and tools: the full wire form (header + payload) of one message. */
    public static byte[] toWire(Sv2Message message) {
        Sv2Frame frame = encode(message);
        ByteBuf buf = Unpooled.buffer(frame.encodedLength());
        try {
            Sv2FrameEncoder.writeFrame(frame, buf);
            byte[] out = new byte[buf.readableBytes()];
            buf.readBytes(out);
            return out;
        } finally {
            buf.release();
        }
    }

    /** Inverse of {@link #toWire}: exactly one complete frame, nothing more. */
    public static Sv2Message fromWire(byte[] wire) {
        if (wire.length < Sv2Frame.HEADER_SIZE) {
            throw new Sv2CodecException("truncated: " + wire.length + " bytes is shorter than a frame header");
        }
        int ext = (wire[0] & 0xff) | (wire[1] & 0xff) << 8;
        int msgType = wire[2] & 0xff;
        int length = (wire[3] & 0xff) | (wire[4] & 0xff) << 8 | (wire[5] & 0xff) << 16;
        if (wire.length - Sv2Frame.HEADER_SIZE != length) {
            throw new Sv2CodecException("frame declares " + length + " payload bytes, " + (wire.length - Sv2Frame.HEADER_SIZE)
                    + " present");
        }
        byte[] payload = new byte[length];
        System.arraycopy(wire, Sv2Frame.HEADER_SIZE, payload, 0, length);
        return decode(Sv2Frame.fromHeader(ext, msgType, Bytes.owned(payload)));
    }
}
