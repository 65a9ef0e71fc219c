package org.templar.pool.sv2.codec;

/**
 * One plaintext SV2 frame (03-Protocol-Overview.md section 3.2): a 6-byte header of
 * extension_type U16 LE (whose most significant bit, 0x8000, is the channel_msg flag), msg_type U8,
 * msg_length U24 LE, then msg_length payload bytes.
 *
 * @param extensionType extension_type with the channel_msg bit removed (0..0x7fff)
 * @param channelMessage the channel_msg bit
 * @param msgType msg_type (0..255)
 * @param payload the message bytes, at most 2^24-1
 */
public record Sv2Frame(int extensionType, boolean channelMessage, int msgType, Bytes payload) {
    public static final int HEADER_SIZE = 6;
    public static final int CHANNEL_MSG_BIT = 0x8000;
    /** Largest payload a U24 msg_length can describe. */
    public static final int MAX_PAYLOAD = 0xffffff;

    public Sv2Frame {
        if (extensionType < 0 || extensionType > 0x7fff) {
            throw new Sv2CodecException("extension_type without channel_msg bit must be 0..0x7fff, got " + extensionType);
        }
        Sv2Check.u8(msgType, "msg_type");
        Sv2Check.maxLength(payload, MAX_PAYLOAD, "payload");
    }

    /** Splits a raw extension_type header field into extension and channel_msg bit. */
    public static Sv2Frame fromHeader(int extensionTypeField, int msgType, Bytes payload) {
        Sv2Check.u16(extensionTypeField, "extension_type");
        return new Sv2Frame(extensionTypeField & 0x7fff, (extensionTypeField & CHANNEL_MSG_BIT) != 0, msgType, payload);
    }

    /** The extension_type header field as sent: extension plus the channel_msg bit. */
    public int extensionTypeField() {
        return extensionType | (channelMessage ? CHANNEL_MSG_BIT : 0);
    }

    public int encodedLength() {
        return HEADER_SIZE + payload.length();
    }
}
