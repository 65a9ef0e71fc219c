package org.templar.pool.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;

/** The socket options every Stratum listener uses, in one place. */
public final class StratumListener {
    private static final AdaptiveRecvByteBufAllocator SHARED_RECEIVE_SIZES = new AdaptiveRecvByteBufAllocator();

    private StratumListener() {}

    /**
     * Binds a listener whose connections get {@code pipeline}. A deep backlog absorbs the reconnect
     * storm after a pool restart; TCP_NODELAY because every Stratum message is small and latency-bound.
     */
    public static Channel bind(EventLoopGroup boss, EventLoopGroup workers, InetSocketAddress address, Admission admission,
            ChannelInitializer<SocketChannel> pipeline) throws InterruptedException {
        return bind(boss, workers, address, admission, TrustedProxies.NONE, pipeline);
    }

    /** As above; connections from {@code proxies} must start with a PROXY protocol header ({@link ProxyProtocol}). */
    public static Channel bind(EventLoopGroup boss, EventLoopGroup workers, InetSocketAddress address, Admission admission,
            TrustedProxies proxies, ChannelInitializer<SocketChannel> pipeline) throws InterruptedException {
        return new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // one allocator for all connections (each still gets its own size-adapting handle): the
                // default is an instance per connection, 40 bytes times tens of thousands (issue 12)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, SHARED_RECEIVE_SIZES)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // a banned address, or one over the caps, is dropped before any protocol work (or a
                        // TLS/Noise handshake); behind a trusted proxy, the miner's own address is checked
                        // once the header is in (the proxy's address is checked against bans only)
                        java.net.InetAddress peer = ch.remoteAddress().getAddress();
                        if (proxies.trusts(peer)) {
                            if (admission.bans().isBanned(peer)) {
                                ch.close();
                                return;
                            }
                        } else if (!admission.admit(ch, peer)) {
                            return;
                        }
                        ProxyProtocol.install(ch, proxies, admission, pipeline);
                    }
                })
                .bind(address).sync().channel();
    }
}
