package org.templar.pool.sv2.codec;

import java.util.OptionalLong;

/**
 * A frame whose (extension_type, msg_type) this codec does not know, kept verbatim. The spec
 * (3.4.1) says such a message is discarded when addressed to this endpoint and forwarded unchanged
 * when it is a channel message passing through a proxy; both need the original bytes, not a crash.
 */
public record UnknownMessage(Sv2Frame frame) implements Sv2Message {
    public UnknownMessage {
        Sv2Check.notNull(frame, "frame");
    }

    @Override
    public int extensionType() {
        return frame.extensionType();
    }

    @Override
    public int msgType() {
        return frame.msgType();
    }

    @Override
    public boolean channelMessage() {
        return frame.channelMessage();
    }

    /** For a channel message, the channel_id its payload starts with (needed to route it). */
    public OptionalLong channelId() {
        Bytes p = frame.payload();
        if (!frame.channelMessage() || p.length() < 4) {
            return OptionalLong.empty();
        }
        return OptionalLong.of((p.get(0) & 0xffL) | (p.get(1) & 0xffL) << 8 | (p.get(2) & 0xffL) << 16
                | (p.get(3) & 0xffL) << 24);
    }

    @Override
    public void encodePayload(Sv2Writer out) {
        out.raw(frame.payload());
    }
}
