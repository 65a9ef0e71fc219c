package org.templar.pool.sv2.codec;

/**
 * A message defined by the spec or a known extension: a record with an entry in
 * {@link Sv2MessageType}, where its numbers and channel_msg bit are found.
 */
public interface Sv2SpecMessage extends Sv2Message {
    /** This message's entry in the type table (found by its record class). */
    default Sv2MessageType type() {
        return Sv2MessageType.of(getClass());
    }

    @Override
    default int extensionType() {
        return type().extensionType();
    }

    @Override
    default int msgType() {
        return type().msgType();
    }

    @Override
    default boolean channelMessage() {
        return type().channelMessage();
    }
}
