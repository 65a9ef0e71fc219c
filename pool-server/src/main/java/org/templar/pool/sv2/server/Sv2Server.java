package org.templar.pool.sv2.server;

import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.Worker;
import org.templar.pool.job.Template;
import org.templar.pool.sv2.jds.JobDeclarations;
import org.templar.pool.sv2.mining.Sv2MiningSession;
import org.templar.pool.sv2.mining.Sv2MiningSettings;
import org.templar.pool.sv2.noise.ServerIdentity;
import org.templar.pool.sv2.transport.NoiseTransportConfig;
import org.templar.pool.transport.OutboundLimit;
import org.templar.pool.transport.TrustedProxies;
import org.templar.share.Difficulty;

/**
 * The Stratum V2 mining listener: an {@link Sv2Listener} of {@link Sv2MiningSession}s under the pool's
 * connection policy, with the mining deadlines (SetupConnection, then a first channel), the tick that
 * flushes share acknowledgement batches and re-evaluates vardiff, the fan-out of new templates to
 * every session on its own event loop, and the operator's actions on miners.
 */
public final class Sv2Server implements AutoCloseable {
    /** Largest frame a miner may send: the biggest client message (SubmitSharesExtended with TLVs) is far smaller. */
    static final int MAX_INBOUND_PAYLOAD = 64 * 1024;

    private final Sv2Listener<Sv2MiningSession> listener;

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
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(settings, "settings");
        // spec 5.3.2: a connection that opens no channel within a reasonable period SHOULD be closed
        Sv2Listener.Options options = new Sv2Listener.Options("sv2", MAX_INBOUND_PAYLOAD, Duration.ofSeconds(idleSeconds),
                settings.setupTimeout(), true, settings.channelTimeout(), "no channel opened");
        this.listener = new Sv2Listener<>(options, pool.bans(), pool.metrics(), outbound, identity, noise,
                (out, id) -> new Sv2MiningSession(pool, settings, out, id, declarations))
                .connectionPolicy(pool.policy());
    }

    /**
     * Connections from these addresses must start with a PROXY protocol header, whose address then
     * stands for the miner (read before the Noise handshake); call before {@link #start}.
     */
    public Sv2Server proxyProtocolFrom(TrustedProxies trusted) {
        listener.proxyProtocolFrom(trusted);
        return this;
    }

    /** Binds and starts accepting; returns the bound address (port 0 gets an OS-chosen port). */
    public InetSocketAddress start(EventLoopGroup boss, EventLoopGroup workers, InetSocketAddress bind)
            throws InterruptedException {
        return listener.start(boss, workers, bind);
    }

    /** Hands a new template to every session, each on its own event loop. */
    public void broadcast(Template template) {
        listener.broadcast(s -> s.onTemplate(template));
    }

    public List<Sv2MiningSession> sessions() {
        return listener.sessions();
    }

    /** Closes every connection from {@code address} (the operator banned it); returns how many. */
    public int kickAddress(InetAddress address) {
        return listener.kickAddress(address);
    }

    /** The most any one connection owes its miner, in bytes (bounded by the outbound cap). */
    public long largestPendingOutboundBytes() {
        return listener.largestPendingOutboundBytes();
    }

    /**
     * Stops taking new connections and keeps the open ones (the operator drains the pool before
     * maintenance: miners asked to reconnect then find it closed and move to their backup pool).
     */
    public void stopAccepting() {
        listener.stopAccepting();
    }

    public int connectionCount() {
        return listener.connectionCount();
    }

    /** The miner's address of {@code session}'s connection (after a trusted PROXY header), or null if it is gone. */
    public InetSocketAddress addressOf(Sv2MiningSession session) {
        return listener.addressOf(session);
    }

    /** Closes the connection of {@code session} (operator's kick). */
    public boolean kick(Sv2MiningSession session) {
        return listener.kick(session);
    }

    /** Gives every channel of every connection a new extranonce prefix (SetExtranoncePrefix). */
    public void changeExtranoncePrefixes() {
        listener.forEach(Sv2MiningSession::changeExtranoncePrefixes);
    }

    /**
     * Fixes the share difficulty of the channels whose worker matches (operator's set-difficulty),
     * each on its own connection's event loop; see {@link Sv2MiningSession#fixDifficulty}.
     */
    public void fixDifficulty(Predicate<Worker> which, Difficulty difficulty) {
        listener.forEach(s -> s.fixDifficulty(which, difficulty));
    }

    /** Sends Reconnect to every connection (graceful shutdown); empty host / port 0 mean "here again". */
    public void reconnectAll(String host, int port) {
        listener.forEach(s -> s.reconnect(host, port));
    }

    @Override
    public void close() {
        listener.close();
    }
}
