package org.templar.pool.sv2.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.core.BanList;
import org.templar.pool.core.PoolMetrics;
import org.templar.pool.sv2.codec.Sv2FrameDecoder;
import org.templar.pool.sv2.codec.Sv2FrameEncoder;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2MessageHandler;
import org.templar.pool.sv2.session.Sv2Output;
import org.templar.pool.sv2.session.Sv2Session;
import org.templar.pool.sv2.transport.NoiseFailure;
import org.templar.pool.sv2.noise.ServerIdentity;
import org.templar.pool.sv2.transport.NoiseHandler;
import org.templar.pool.sv2.transport.NoiseTransportConfig;
import org.templar.pool.transport.OutboundGuard;
import org.templar.pool.transport.OutboundLimit;
import org.templar.pool.transport.SessionRegistry;
import org.templar.pool.transport.StratumListener;

/**
 * A Stratum V2 listener for any role whose connections each carry one session (mining, Job
 * Declaration, Template Distribution): per connection {@code outbound guard -> Noise (NX responder, the
 * pool's authority) -> frame decoder -> idle (reset by whole frames) -> frame encoder -> message codec ->
 * session}. The role brings only its session type and a factory; framing, encryption, admission (bans
 * and connection caps), the setup and work deadlines, the operators' connect/disconnect lines, the
 * periodic tick and the session registry are the same for every role.
 *
 * @param <S> the role's session
 */
public final class Sv2Listener<S extends Sv2Session> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sv2Listener.class);

    /**
     * @param role how logs and metrics name the listener ("sv2", "jds", "tdp")
     * @param maxInboundPayload largest frame a client may send (checked before it is buffered)
     * @param idle a connection silent this long is closed (zero: never)
     * @param setupTimeout a client that completed the handshake must set up within this
     * @param ticks whether sessions get {@link Sv2Session#onTick} every second
     * @param workTimeout a client that completed the handshake must be {@link Sv2Session#isWorking working}
     *     within this (zero: no such deadline)
     * @param notWorking what the close reason says such a client did not do ("no channel opened")
     */
    public record Options(String role, int maxInboundPayload, Duration idle, Duration setupTimeout, boolean ticks,
            Duration workTimeout, String notWorking) {
        public Options {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(idle, "idle");
            Objects.requireNonNull(setupTimeout, "setupTimeout");
            Objects.requireNonNull(workTimeout, "workTimeout");
            Objects.requireNonNull(notWorking, "notWorking");
            if (maxInboundPayload < 1) {
                throw new IllegalArgumentException("maxInboundPayload must be positive");
            }
        }

        /** A role without a work deadline. */
        public Options(String role, int maxInboundPayload, Duration idle, Duration setupTimeout, boolean ticks) {
            this(role, maxInboundPayload, idle, setupTimeout, ticks, Duration.ZERO, "");
        }
    }

    private final Options options;
    private final BanList bans;
    private final PoolMetrics metrics;
    private final OutboundLimit outbound;
    private final Supplier<ServerIdentity> identity;
    private final NoiseTransportConfig noise;
    private final BiFunction<Sv2Output, String, S> sessionFactory;
    private final SessionRegistry<S> sessions;
    private final AtomicLong connectionIds = new AtomicLong();
    private Channel listener;
    private ScheduledFuture<?> ticker;
    private org.templar.pool.transport.TrustedProxies proxies = org.templar.pool.transport.TrustedProxies.NONE;
    private org.templar.pool.core.ConnectionPolicy policy;
    private AutoCloseable enforcer;

    public Sv2Listener(Options options, BanList bans, PoolMetrics metrics, OutboundLimit outbound,
            Supplier<ServerIdentity> identity, NoiseTransportConfig noise, BiFunction<Sv2Output, String, S> sessionFactory) {
        this.options = Objects.requireNonNull(options, "options");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.outbound = Objects.requireNonNull(outbound, "outbound");
        this.bans = Objects.requireNonNull(bans, "bans");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.noise = Objects.requireNonNull(noise, "noise").withMaxPayloadLength(
                Math.min(noise.maxPayloadLength(), options.maxInboundPayload()));
        this.sessionFactory = Objects.requireNonNull(sessionFactory, "sessionFactory");
        this.sessions = new SessionRegistry<>(options.role(), metrics);
    }

    /**
     * Connections from these addresses must start with a PROXY protocol header, whose address then
     * stands for the miner (before the Noise handshake); call before {@link #start}.
     */
    public Sv2Listener<S> proxyProtocolFrom(org.templar.pool.transport.TrustedProxies trusted) {
        this.proxies = Objects.requireNonNull(trusted, "trusted");
        return this;
    }

    /**
     * The pool's connection caps (shared with the other listeners) and abuse rules; without it only the
     * ban list applies. Call before {@link #start}.
     */
    public Sv2Listener<S> connectionPolicy(org.templar.pool.core.ConnectionPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /** Binds and starts accepting; returns the bound address (port 0 gets an OS-chosen port). */
    public InetSocketAddress start(EventLoopGroup boss, EventLoopGroup workers, InetSocketAddress bind)
            throws InterruptedException {
        org.templar.pool.transport.Admission admission = policy == null
                ? org.templar.pool.transport.Admission.bansOnly(options.role(), bans, metrics)
                : new org.templar.pool.transport.Admission(options.role(), bans, policy, metrics);
        listener = StratumListener.bind(boss, workers, bind, admission, proxies, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                        // first, so it counts the encrypted bytes the socket really owes
                        .addLast("outbound", new OutboundGuard(outbound, options.role(), metrics))
                        .addLast("noise", NoiseHandler.server(identity, noise))
                        .addLast("frames", new Sv2FrameDecoder(options.maxInboundPayload()))
                        // after the frame decoder: only whole frames reset it, not a trickle of bytes
                        .addLast("idle", new IdleStateHandler(options.idle().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                        .addLast("frameEncoder", new Sv2FrameEncoder())
                        .addLast("messages", Sv2MessageHandler.INSTANCE)
                        .addLast("session", new Sv2Connection<>(Sv2Listener.this));
            }
        });
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        enforcer = bans.addEnforcer(sessions::kickRange); // a ban closes its connections here too
        if (options.ticks()) {
            ticker = workers.scheduleAtFixedRate(() -> sessions.forEach(Sv2Session::onTick), 1, 1, TimeUnit.SECONDS);
        }
        log.info("Stratum V2 {} listening on {}", options.role(), bound);
        return bound;
    }

    Options options() {
        return options;
    }

    /** A connection's Noise layer refused it: one operators' log line, and garbage counts against the address. */
    void noiseFailed(InetSocketAddress peer, NoiseFailure failure) {
        String who = peer == null ? "?" : peer.getAddress().getHostAddress();
        String phase = failure.duringHandshake() ? "handshake" : "transport";
        operatorsLog("{} connection from {} dropped ({}): {}", options.role(), who, phase, failure.message());
        if (failure.isGarbage() && peer != null) {
            protocolError(peer.getAddress());
        }
    }

    /** A client sent what does not decode: counted against its address by the abuse rules. */
    void protocolError(InetAddress peer) {
        if (policy != null && peer != null) {
            policy.autoBans().onProtocolError(peer);
        }
    }

    void idleTimedOut() {
        metrics.connectionTimedOut(options.role(), "idle");
    }

    /** The operators' log (rate limited by the policy) when there is a policy, else this class's INFO. */
    void operatorsLog(String format, Object... args) {
        if (policy == null) {
            log.info(format, args);
        } else {
            policy.log().info(format, args);
        }
    }

    String nextConnectionId() {
        return options.role() + "-" + connectionIds.incrementAndGet();
    }

    S newSession(Sv2Connection<S> connection, String connectionId) {
        sessions.opened(connection);
        return sessionFactory.apply(connection, connectionId);
    }

    void sessionClosed(Sv2Connection<S> connection) {
        sessions.closed(connection);
    }

    /** Runs {@code action} on every session, each on its own event loop. */
    public void broadcast(Consumer<S> action) {
        sessions.broadcast(action);
    }

    /** Runs {@code action} on every session, each on its own event loop (operator actions). */
    public void forEach(Consumer<S> action) {
        sessions.forEach(action);
    }

    /** The most any one connection owes its client, in bytes (bounded by the outbound cap). */
    public long largestPendingOutboundBytes() {
        return sessions.largestPendingOutboundBytes();
    }

    /** The client's address of {@code session}'s connection (after a trusted PROXY header), or null if it is gone. */
    public InetSocketAddress addressOf(S session) {
        return sessions.addressOf(session);
    }

    /** Closes the connection of {@code session} (operator's kick). */
    public boolean kick(S session) {
        return sessions.kick(session);
    }

    /**
     * Stops taking new connections and keeps the open ones (the operator drains the pool before
     * maintenance: clients asked to reconnect then find it closed and move to their backup).
     */
    public void stopAccepting() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
    }

    public List<S> sessions() {
        return sessions.sessions();
    }

    public int connectionCount() {
        return sessions.size();
    }

    /** Closes every connection from {@code address} (the operator banned it); returns how many. */
    public int kickAddress(java.net.InetAddress address) {
        return sessions.kickAddress(address);
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
