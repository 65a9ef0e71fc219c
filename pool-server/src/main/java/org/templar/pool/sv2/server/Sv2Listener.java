package org.templar.pool.sv2.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
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
import org.templar.pool.sv2.mining.Sv2Output;
import org.templar.pool.sv2.noise.ServerIdentity;
import org.templar.pool.sv2.transport.NoiseHandler;
import org.templar.pool.sv2.transport.NoiseTransportConfig;
import org.templar.pool.transport.OutboundGuard;
import org.templar.pool.transport.OutboundLimit;
import org.templar.pool.transport.SessionRegistry;
import org.templar.pool.transport.StratumListener;

/**
 * A Stratum V2 listener for any subprotocol whose connections each carry one session: per connection
 * {@code Noise (NX responder, the pool's authority) -> frame decoder -> idle (reset by whole frames) ->
 * frame encoder -> message codec -> session}. The subprotocol brings only its session type and a factory; framing, encryption, bans,
 * the setup deadline and the session registry are the same for every role.
 *
 * @param <S> the subprotocol's session
 */
public final class Sv2Listener<S extends Sv2Listener.Session> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sv2Listener.class);

    /** What the listener needs of a session; the session itself is confined to its connection's loop. */
    public interface Session {
        void onMessage(Sv2Message message);

        /** True once SetupConnection succeeded: a connection not set up by the deadline is closed. */
        boolean isSetUp();

        void onClosed();

        /** Once a second on the session's loop, when the listener was given a tick (deadlines, batches). */
        default void onTick() {
        }
    }

    /**
     * @param role how logs and metrics name the listener ("tdp", "jds", ...)
     * @param maxInboundPayload largest frame a client may send (checked before it is buffered)
     * @param idle a connection silent this long is closed
     * @param setupTimeout a client that completed the handshake must set up within this
     * @param ticks whether sessions get {@link Session#onTick} every second
     */
    public record Options(String role, int maxInboundPayload, Duration idle, Duration setupTimeout, boolean ticks) {
        public Options {
            Objects.requireNonNull(role, "role");
            if (maxInboundPayload < 1) {
                throw new IllegalArgumentException("maxInboundPayload must be positive");
            }
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
        this.noise = Objects.requireNonNull(noise, "noise").withMaxPayloadLength(options.maxInboundPayload());
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
                        .addLast("idle", new IdleStateHandler(options.idle().toSeconds(), 0, 0, TimeUnit.SECONDS))
                        .addLast("frameEncoder", new Sv2FrameEncoder())
                        .addLast("messages", Sv2MessageHandler.INSTANCE)
                        .addLast("session", new Sv2Connection<>(Sv2Listener.this));
            }
        });
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        enforcer = bans.addEnforcer(sessions::kickRange); // a ban closes its connections here too
        if (options.ticks()) {
            ticker = workers.scheduleAtFixedRate(() -> sessions.forEach(Session::onTick), 1, 1, TimeUnit.SECONDS);
        }
        log.info("Stratum V2 {} listening on {}", options.role(), bound);
        return bound;
    }

    Options options() {
        return options;
    }

    /** A connection's Noise layer refused it: one operators' log line, and garbage counts against the address. */
    void noiseFailed(java.net.InetSocketAddress peer, org.templar.pool.sv2.transport.NoiseFailure failure) {
        String who = peer == null ? "?" : peer.getAddress().getHostAddress();
        String phase = failure.duringHandshake() ? "handshake" : "transport";
        if (policy == null) {
            log.info("{} connection from {} dropped ({}): {}", options.role(), who, phase, failure.message());
            return;
        }
        policy.log().info("{} connection from {} dropped ({}): {}", options.role(), who, phase, failure.message());
        if (failure.isGarbage() && peer != null) {
            policy.autoBans().onProtocolError(peer.getAddress());
        }
    }

    S newSession(Sv2Connection<S> connection) {
        sessions.opened(connection);
        return sessionFactory.apply(connection, options.role() + "-" + connectionIds.incrementAndGet());
    }

    void sessionClosed(Sv2Connection<S> connection) {
        sessions.closed(connection);
    }

    /** Runs {@code action} on every session, each on its own event loop. */
    public void broadcast(Consumer<S> action) {
        sessions.broadcast(action);
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
