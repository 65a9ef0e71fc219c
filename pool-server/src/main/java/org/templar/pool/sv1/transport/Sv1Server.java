package org.templar.pool.sv1.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.core.PoolContext;
import org.templar.pool.job.Template;
import org.templar.pool.sv1.session.Sv1Session;
import org.templar.pool.sv1.session.Sv1Settings;

/**
 * The Stratum V1 listener: one Netty pipeline per miner (line framing with a hard length limit, idle
 * timeout, the session bridge) and the fan-out of new templates to every session on its own loop.
 */
public final class Sv1Server implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sv1Server.class);

    private final PoolContext pool;
    private final Sv1Settings settings;
    private final int maxLineLength;
    private final int idleSeconds;
    private final Set<Sv1ChannelHandler> handlers = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionIds = new AtomicLong();
    private Channel listener;

    public Sv1Server(PoolContext pool, Sv1Settings settings, int maxLineLength, int idleSeconds) {
        this.pool = pool;
        this.settings = settings;
        this.maxLineLength = maxLineLength;
        this.idleSeconds = idleSeconds;
    }

    int maxLineLength() {
        return maxLineLength;
    }

    /** Binds and starts accepting; returns the bound address (port 0 gets an OS-chosen port). */
    public InetSocketAddress start(EventLoopGroup boss, EventLoopGroup workers, InetSocketAddress bind)
            throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(idleSeconds, 0, 0, TimeUnit.SECONDS))
                                .addLast("lines", new LineBasedFrameDecoder(maxLineLength, true, true))
                                .addLast("session", new Sv1ChannelHandler(Sv1Server.this));
                    }
                });
        listener = b.bind(bind).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        // vardiff must also notice miners that stopped finding shares
        workers.scheduleAtFixedRate(this::tick, 5, 5, TimeUnit.SECONDS);
        log.info("Stratum V1 listening on {}", bound);
        return bound;
    }

    Sv1Session newSession(Sv1ChannelHandler handler, Channel channel) {
        handlers.add(handler);
        pool.metrics().connectionOpened("sv1");
        return new Sv1Session(pool, settings, handler, "sv1-" + connectionIds.incrementAndGet());
    }

    void sessionClosed(Sv1ChannelHandler handler) {
        if (handlers.remove(handler)) {
            pool.metrics().connectionClosed("sv1");
        }
    }

    /** Hands a new template to every session, each on its own event loop. */
    public void broadcast(Template template) {
        long start = System.nanoTime();
        int n = 0;
        for (Sv1ChannelHandler h : handlers) {
            Sv1Session s = h.session();
            if (s != null) {
                h.execute(() -> s.onTemplate(template));
                n++;
            }
        }
        pool.metrics().jobsBroadcast("sv1", n, System.nanoTime() - start);
    }

    private void tick() {
        for (Sv1ChannelHandler h : handlers) {
            Sv1Session s = h.session();
            if (s != null) {
                h.execute(s::onTick);
            }
        }
    }

    public List<Sv1Session> sessions() {
        return handlers.stream().map(Sv1ChannelHandler::session).filter(java.util.Objects::nonNull).toList();
    }

    /** Closes the connection of {@code session} (operator's kick). */
    public boolean kick(Sv1Session session) {
        for (Sv1ChannelHandler h : handlers) {
            if (h.session() == session) {
                h.execute(() -> h.close("kicked by the operator"));
                return true;
            }
        }
        return false;
    }

    public int connectionCount() {
        return handlers.size();
    }

    /** Asks every miner to come back in {@code waitSeconds} (graceful shutdown), then stops listening. */
    public void reconnectAll(String host, int port, int waitSeconds) {
        for (Sv1ChannelHandler h : handlers) {
            Sv1Session s = h.session();
            if (s != null) {
                h.execute(() -> s.reconnect(host, port, waitSeconds));
            }
        }
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
    }
}
