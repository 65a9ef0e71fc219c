package org.templar.pool.sv2.codec;

/** A message defined by the spec or a known extension: its numbers come from {@link #type()}. */
public interface Sv2SpecMessage extends Sv2Message {
    Sv2MessageType type();

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
