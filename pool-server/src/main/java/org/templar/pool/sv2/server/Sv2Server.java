package org.templar.pool.sv2.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.core.PoolContext;
import org.templar.pool.job.Template;
import org.templar.pool.sv2.codec.Sv2FrameDecoder;
import org.templar.pool.sv2.codec.Sv2FrameEncoder;
import org.templar.pool.sv2.codec.Sv2MessageHandler;
import org.templar.pool.sv2.jds.JobDeclarations;
import org.templar.pool.sv2.mining.Sv2MiningSession;
import org.templar.pool.sv2.mining.Sv2MiningSettings;
import org.templar.pool.sv2.noise.ServerIdentity;
import org.templar.pool.sv2.transport.NoiseHandler;
import org.templar.pool.sv2.transport.NoiseTransportConfig;
import org.templar.pool.transport.OutboundGuard;
import org.templar.pool.transport.OutboundLimit;
import org.templar.pool.transport.SessionRegistry;
import org.templar.pool.transport.StratumListener;

/**
 * The Stratum V2 mining listener: per connection {@code outbound guard -> Noise (NX responder) -> frame
 * decoder -> idle (reset by whole frames) -> frame encoder -> message codec -> session bridge}, and the fan-out of new templates to every
 * session on its own event loop, like the Stratum V1 server.
 */
public final class Sv2Server implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sv2Server.class);
    /** Largest frame a miner may send: the biggest client message (SubmitSharesExtended with TLVs) is far smaller. */
    static final int MAX_INBOUND_PAYLOAD = 64 * 1024;

    private final PoolContext pool;
    private final Sv2MiningSettings settings;
    private final Supplier<ServerIdentity> identity;
    private final NoiseTransportConfig noise;
    private final int idleSeconds;
    private final OutboundLimit outbound;
    private final SessionRegistry<Sv2MiningSession> sessions;
    private final AtomicLong connectionIds = new AtomicLong();
    private Channel listener;
    private ScheduledFuture<?> ticker;
    private final JobDeclarations declarations;
    private AutoCloseable enforcer;

    public Sv2Server(PoolContext pool, Sv2MiningSettings settings, Supplier<ServerIdentity> identity,
            NoiseTransportConfig noise, int idleSeconds) {
        this(pool, settings, identity, noise, idleSeconds, OutboundLimit.DEFAULT, null);
    }

    /** @param declarations the pool's Job Declaration state (custom jobs allowed), or null */
    public Sv2Server(PoolContext pool, Sv2MiningSettings settings, Supplier<ServerIdentity> identity,
            NoiseTransportConfig noise, int idleSeconds, JobDeclarations declarations) {
        this(pool, settings, identity, noise, idleSeconds, OutboundLimit.DEFAULT, declarations);
    }

    /**
     * @param outbound how much a connection may owe its miner before the pool stops reading from it and
     *     then closes it
     * @param declarations the pool's Job Declaration state (custom jobs allowed), or null
     */
    public Sv2Server(PoolContext pool, Sv2MiningSettings settings, Supplier<ServerIdentity> identity,
            NoiseTransportConfig noise, int idleSeconds, OutboundLimit outbound, JobDeclarations declarations) {
        this.outbound = Objects.requireNonNull(outbound, "outbound");
        this.declarations = declarations;
        this.pool = Objects.requireNonNull(pool, "pool");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.noise = Objects.requireNonNull(noise, "noise").withMaxPayloadLength(
                Math.min(noise.maxPayloadLength(), MAX_INBOUND_PAYLOAD));
        this.idleSeconds = idleSeconds;
        this.sessions = new SessionRegistry<>("sv2", pool.metrics());
    }

    Sv2MiningSettings settings() {
        return settings;
    }

    PoolContext pool() {
        return pool;
    }

    private org.templar.pool.transport.TrustedProxies proxies = org.templar.pool.transport.TrustedProxies.NONE;

    /**
     * Connections from these addresses must start with a PROXY protocol header, whose address then
     * stands for the miner (read before the Noise handshake); call before {@link #start}.
     */
    public Sv2Server proxyProtocolFrom(org.templar.pool.transport.TrustedProxies trusted) {
        this.proxies = java.util.Objects.requireNonNull(trusted, "trusted");
        return this;
    }

    /** Binds and starts accepting; returns the bound address (port 0 gets an OS-chosen port). */
    public InetSocketAddress start(EventLoopGroup boss, EventLoopGroup workers, InetSocketAddress bind)
            throws InterruptedException {
        listener = StratumListener.bind(boss, workers, bind,
                new org.templar.pool.transport.Admission("sv2", pool.bans(), pool.policy(), pool.metrics()), proxies, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                        // first, so it counts the encrypted bytes the socket really owes
                        .addLast("outbound", new OutboundGuard(outbound, "sv2", pool.metrics()))
                        .addLast("noise", NoiseHandler.server(identity, noise))
                        .addLast("frames", new Sv2FrameDecoder(MAX_INBOUND_PAYLOAD))
                        // after the frame decoder: only whole frames reset it, not a trickle of bytes
                        .addLast("idle", new IdleStateHandler(idleSeconds, 0, 0, TimeUnit.SECONDS))
                        .addLast("frameEncoder", new Sv2FrameEncoder())
                        .addLast("messages", Sv2MessageHandler.INSTANCE)
                        .addLast("session", new Sv2ServerHandler(Sv2Server.this));
            }
        });
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        enforcer = pool.bans().addEnforcer(sessions::kickRange); // a ban closes its connections here too
        // flushes share acknowledgement batches; vardiff must also notice miners that stopped finding shares
        ticker = workers.scheduleAtFixedRate(() -> sessions.forEach(Sv2MiningSession::onTick), 1, 1, TimeUnit.SECONDS);
        log.info("Stratum V2 listening on {}", bound);
        return bound;
    }

    Sv2MiningSession newSession(Sv2ServerHandler handler) {
        sessions.opened(handler);
        return new Sv2MiningSession(pool, settings, handler, "sv2-" + connectionIds.incrementAndGet(), declarations);
    }

    void sessionClosed(Sv2ServerHandler handler) {
        sessions.closed(handler);
    }

    /** Hands a new template to every session, each on its own event loop. */
    public void broadcast(Template template) {
        sessions.broadcast(s -> s.onTemplate(template));
    }

    public List<Sv2MiningSession> sessions() {
        return sessions.sessions();
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
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
    }

    public int connectionCount() {
        return sessions.size();
    }

    /** The miner's address of {@code session}'s connection (after a trusted PROXY header), or null if it is gone. */
    public InetSocketAddress addressOf(Sv2MiningSession session) {
        return sessions.addressOf(session);
    }

    /** Closes the connection of {@code session} (operator's kick). */
    public boolean kick(Sv2MiningSession session) {
        return sessions.kick(session);
    }

    /** Gives every channel of every connection a new extranonce prefix (SetExtranoncePrefix). */
    public void changeExtranoncePrefixes() {
        sessions.forEach(Sv2MiningSession::changeExtranoncePrefixes);
    }

    /**
     * Fixes the share difficulty of the channels whose worker matches (operator's set-difficulty),
     * each on its own connection's event loop; see {@link Sv2MiningSession#fixDifficulty}.
     */
    public void fixDifficulty(java.util.function.Predicate<org.templar.pool.core.Worker> which,
            org.templar.share.Difficulty difficulty) {
        sessions.forEach(s -> s.fixDifficulty(which, difficulty));
    }

    /** Sends Reconnect to every connection (graceful shutdown); empty host / port 0 mean "here again". */
    public void reconnectAll(String host, int port) {
        sessions.forEach(s -> s.reconnect(host, port));
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.cancel(false);
        }
        if (enforcer != null) {
            try {
                enforcer.close();
            } catch (Exception ignored) {
                // removing from a list: cannot fail
            }
        }
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
    }
}
