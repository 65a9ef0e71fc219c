package org.templar.pool.sv2.codec;

/**
 * A decoded Stratum V2 message: either one of the spec's records ({@link Sv2SpecMessage}) or an
 * {@link UnknownMessage} carrying a frame nobody here understands.
 */
public interface Sv2Message {
    /** extension_type without the channel_msg bit. */
    int extensionType();

    int msgType();

    boolean channelMessage();

    /** Writes the payload (everything after the 6-byte frame header). */
    void encodePayload(Sv2Writer out);
}
