package org.templar.pool.core;

import java.util.Objects;

/**
 * Where a share came in: a Stratum V1 connection ({@code sv1-12}), which is its own channel, or one
 * channel of a Stratum V2 connection ({@code sv2-3/1}). The text is what the ledger's channel column,
 * the logs and the admin API have always shown. Made once per connection or channel, so the share
 * path passes it without building a string per share.
 */
public final class ChannelId {
    private static final long NONE = -1;

    private final String connection;
    private final long channel; // the SV2 channel id (u32), NONE for a connection that is its own channel
    private final String text;

    private ChannelId(String connection, long channel) {
        if (connection.isEmpty() || connection.indexOf('/') >= 0 || connection.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("not a connection id: \"" + connection + "\"");
        }
        this.connection = connection;
        this.channel = channel;
        this.text = channel == NONE ? connection : connection + "/" + channel;
    }

    /** A connection that is its own channel (Stratum V1). */
    public static ChannelId connection(String connectionId) {
        return new ChannelId(connectionId, NONE);
    }

    /** Channel {@code channelId} of a Stratum V2 connection. */
    public static ChannelId channel(String connectionId, long channelId) {
        if ((channelId & ~0xffffffffL) != 0) {
            throw new IllegalArgumentException("an SV2 channel id is a u32, got " + channelId);
        }
        return new ChannelId(connectionId, channelId);
    }

    /**
     * Parses the text form ({@link #toString}) back, e.g. from the ledger.
     *
     * @throws IllegalArgumentException if {@code text} is not {@code connection} or {@code connection/u32}
     */
    public static ChannelId parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return connection(text);
        }
        String number = text.substring(slash + 1);
        if (number.isEmpty() || number.length() > 10 || !number.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("not a channel id: \"" + text + "\" (connection/number expected)");
        }
        return channel(text.substring(0, slash), Long.parseLong(number));
    }

    /** The connection the channel belongs to (all of it, for Stratum V1). */
    public String connectionId() {
        return connection;
    }

    /** Whether this is one channel of a connection that can carry several (Stratum V2). */
    public boolean isChannelOfConnection() {
        return channel != NONE;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelId c && c.channel == channel && c.connection.equals(connection);
    }

    @Override
    public int hashCode() {
        return Objects.hash(connection, channel);
    }

    @Override
    public String toString() {
        return text;
    }
}
