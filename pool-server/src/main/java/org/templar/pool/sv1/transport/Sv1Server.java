package org.templar.pool.sv1.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.core.PoolContext;
import org.templar.pool.job.Template;
import org.templar.pool.sv1.session.Sv1Session;
import org.templar.pool.sv1.session.Sv1Settings;
import org.templar.pool.transport.OutboundGuard;
import org.templar.pool.transport.OutboundLimit;
import org.templar.pool.transport.SessionRegistry;
import org.templar.pool.transport.StratumListener;
import org.templar.pool.transport.TlsGate;
import org.templar.pool.transport.TrustedProxies;

/**
 * The Stratum V1 listener: one Netty pipeline per miner (outbound back pressure, line framing with a
 * hard length limit, the session bridge with its setup deadline; connections without a whole message
 * for too long are closed by a periodic sweep, so a trickle of bytes cannot hold one) and the fan-out of
 * new templates to every session on its own loop.
 */
public final class Sv1Server implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sv1Server.class);

    private final PoolContext pool;
    private final Sv1Settings settings;
    private final int maxLineLength;
    private final int idleSeconds;
    private final OutboundLimit outbound;
    private final SessionRegistry<Sv1Session> sessions;
    private final AtomicLong connectionIds = new AtomicLong();
    private Channel listener;
    private Channel tlsListener;
    private TrustedProxies proxies = TrustedProxies.NONE;
    private AutoCloseable enforcer;
    private final org.templar.pool.transport.Admission admission;

    public Sv1Server(PoolContext pool, Sv1Settings settings, int maxLineLength, int idleSeconds) {
        this(pool, settings, maxLineLength, idleSeconds, OutboundLimit.DEFAULT);
    }

    public Sv1Server(PoolContext pool, Sv1Settings settings, int maxLineLength, int idleSeconds, OutboundLimit outbound) {
        this.outbound = java.util.Objects.requireNonNull(outbound, "outbound");
        this.pool = pool;
        this.settings = settings;
        this.maxLineLength = maxLineLength;
        this.idleSeconds = idleSeconds;
        this.sessions = new SessionRegistry<>("sv1", pool.metrics());
        this.admission = new org.templar.pool.transport.Admission("sv1", pool.bans(), pool.policy(), pool.metrics());
    }

    /**
     * Connections from these addresses must start with a PROXY protocol header, whose address then
     * stands for the miner; call before {@link #start}.
     */
    public Sv1Server proxyProtocolFrom(TrustedProxies trusted) {
        this.proxies = java.util.Objects.requireNonNull(trusted, "trusted");
        return this;
    }

    int maxLineLength() {
        return maxLineLength;
    }

    Sv1Settings settings() {
        return settings;
    }

    PoolContext pool() {
        return pool;
    }

    /** Binds and starts accepting; returns the bound address (port 0 gets an OS-chosen port). */
    public InetSocketAddress start(EventLoopGroup boss, EventLoopGroup workers, InetSocketAddress bind)
            throws InterruptedException {
        listener = StratumListener.bind(boss, workers, bind, admission, proxies, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast("outbound", new OutboundGuard(outbound, "sv1", pool.metrics()));
                ch.pipeline().addLast(sessionPipeline());
            }
        });
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        enforcer = pool.bans().addEnforcer(sessions::kickRange); // a ban closes its connections here too
        // vardiff must also notice miners that stopped finding shares; the same tick closes silent
        // connections (one sweep instead of an idle timer per connection, issue 12)
        // and those not set up (subscribed and authorized) within the setup deadline
        long idleNanos = TimeUnit.SECONDS.toNanos(idleSeconds);
        long setupNanos = settings.setupTimeout().toNanos();
        long tick = Math.max(1, Math.min(5, Math.min(idleSeconds, settings.setupTimeout().toSeconds())));
        workers.scheduleAtFixedRate(() -> sessions.forEach(s -> {
            long now = System.nanoTime();
            if (!s.closeIfSilentFor(idleNanos, now) && !s.closeIfNotSetUpWithin(setupNanos, now)) {
                s.onTick();
            }
        }), tick, tick, TimeUnit.SECONDS);
        log.info("Stratum V1 listening on {}", bound);
        return bound;
    }

    /**
     * Binds the TLS listener ({@code stratum+ssl://}): the same sessions as the plain port, behind an
     * {@code SslHandler}; the session starts once the handshake succeeded. Call after {@link #start}.
     */
    public InetSocketAddress startTls(EventLoopGroup boss, EventLoopGroup workers, InetSocketAddress bind, SslContext tls)
            throws InterruptedException {
        tlsListener = StratumListener.bind(boss, workers, bind, admission, proxies, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                        .addLast("outbound", new OutboundGuard(outbound, "sv1", pool.metrics())) // counts TLS bytes owed
                        .addLast("tls", tls.newHandler(ch.alloc()))
                        .addLast("tls-gate", new TlsGate(sessionPipeline()));
            }
        });
        InetSocketAddress bound = (InetSocketAddress) tlsListener.localAddress();
        log.info("Stratum V1 over TLS listening on {}", bound);
        return bound;
    }

    /** What every SV1 connection runs once its transport (plain or TLS) is up. */
    private ChannelInitializer<SocketChannel> sessionPipeline() {
        return new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                        .addLast("lines", new LineBasedFrameDecoder(maxLineLength, true, true))
                        .addLast("session", new Sv1ChannelHandler(Sv1Server.this));
            }
        };
    }

    Sv1Session newSession(Sv1ChannelHandler handler) {
        sessions.opened(handler);
        return new Sv1Session(pool, settings, handler, "sv1-" + connectionIds.incrementAndGet());
    }

    void sessionClosed(Sv1ChannelHandler handler) {
        sessions.closed(handler);
    }

    /** Hands a new template to every session, each on its own event loop. */
    public void broadcast(Template template) {
        sessions.broadcast(s -> s.onTemplate(template));
    }

    public List<Sv1Session> sessions() {
        return sessions.sessions();
    }

    /** The miner's address of {@code session}'s connection (after a trusted PROXY header), or null if it is gone. */
    public InetSocketAddress addressOf(Sv1Session session) {
        return sessions.addressOf(session);
    }

    /** Closes the connection of {@code session} (operator's kick). */
    public boolean kick(Sv1Session session) {
        return sessions.kick(session);
    }

    /** Closes every connection from {@code address} (the operator banned it); returns how many. */
    public int kickAddress(java.net.InetAddress address) {
        return sessions.kickAddress(address);
    }

    /** The most any one connection owes its miner, in bytes (bounded by the outbound cap). */
    public long largestPendingOutboundBytes() {
        return sessions.largestPendingOutboundBytes();
    }

    /**
     * Stops taking new connections and keeps the open ones (the operator drains the pool before
     * maintenance: miners asked to reconnect then find it closed and move to their backup pool).
     */
    public void stopAccepting() {
        closeListeners();
    }

    /** Runs {@code action} on every session, each on its own event loop (operator commands). */
    public int forEachSession(java.util.function.Consumer<Sv1Session> action) {
        return sessions.forEach(action);
    }

    public int connectionCount() {
        return sessions.size();
    }

    /** Asks every miner to come back in {@code waitSeconds} (graceful shutdown). */
    public void reconnectAll(String host, int port, int waitSeconds) {
        sessions.forEach(s -> s.reconnect(host, port, waitSeconds));
    }

    @Override
    public void close() {
        closeListeners();
        if (enforcer != null) {
            try {
                enforcer.close();
            } catch (Exception ignored) {
                // removing from a list: cannot fail
            }
        }
    }

    private void closeListeners() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        if (tlsListener != null) {
            tlsListener.close().syncUninterruptibly();
        }
    }
}
