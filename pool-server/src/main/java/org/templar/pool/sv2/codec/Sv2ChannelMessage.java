package org.templar.pool.sv2.codec;

/**
 * A message with the channel_msg bit set: its payload starts with the U32 channel_id it is
 * addressed to, which proxies route on without understanding the rest.
 */
public interface Sv2ChannelMessage extends Sv2SpecMessage {
    long channelId();
}
