package org.templar.pool.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;

/**
 * Installs the protocol part of a pipeline once a gate before it (the PROXY header, the TLS handshake)
 * has let the connection through. The protocol handlers then see {@code channelActive} as if the
 * connection had just opened: a session starts only for a connection that passed its gates.
 */
final class DeferredPipeline {
    private DeferredPipeline() {}

    /** Puts {@code rest} after {@code gate}, tells it the connection is active, and removes the gate. */
    static void open(ChannelHandlerContext gate, ChannelHandler rest) {
        gate.pipeline().addAfter(gate.name(), null, rest);
        gate.fireChannelActive();
        gate.pipeline().remove(gate.handler());
    }
}
