package org.templar.pool.transport;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/**
 * A connection's peer as the pool treats it (bans, limits, logs, the admin API): the address a trusted
 * proxy put in the PROXY protocol header, else the socket's remote address.
 */
public final class PeerAddress {
    static final AttributeKey<InetSocketAddress> FROM_PROXY_HEADER = AttributeKey.valueOf("templar.peerFromProxyHeader");

    private PeerAddress() {}

    /** The miner's address; null for a channel that never connected or is not an IP socket (tests' embedded channels). */
    public static InetSocketAddress of(Channel channel) {
        InetSocketAddress proxied = channel.attr(FROM_PROXY_HEADER).get();
        if (proxied != null) {
            return proxied;
        }
        return channel.remoteAddress() instanceof InetSocketAddress socket ? socket : null;
    }

    /** True when {@link #of} comes from a PROXY header rather than the socket. */
    public static boolean isProxied(Channel channel) {
        return channel.attr(FROM_PROXY_HEADER).get() != null;
    }
}
