package org.templar.pool.sv2.jds;

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
import org.templar.pool.sv2.codec.Sv2FrameDecoder;
import org.templar.pool.sv2.codec.Sv2FrameEncoder;
import org.templar.pool.sv2.codec.Sv2MessageHandler;
import org.templar.pool.sv2.noise.ServerIdentity;
import org.templar.pool.sv2.transport.NoiseHandler;
import org.templar.pool.sv2.transport.NoiseTransportConfig;
import org.templar.pool.transport.SessionRegistry;
import org.templar.pool.transport.StratumListener;

/**
 * The Job Declaration Server's listener: the same pipeline as the SV2 mining listener (idle ->
 * Noise NX responder with the pool's authority -> frames -> message codec) ending in a
 * {@link JdsSession}. Its inbound frames may be large: ProvideMissingTransactions.Success carries
 * whole transactions.
 */
public final class JdsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JdsServer.class);
    /**
     * Largest frame a JDC may send. DeclareMiningJob of a full block's wtxids is ~130 KB and
     * ProvideMissingTransactions.Success can carry a block's worth of transactions (4 MB of weight
     * at most ~4 MB of bytes), so the limit is one block plus room.
     */
    static final int MAX_INBOUND_PAYLOAD = 5 * 1024 * 1024;

    private final JobDeclarations jd;
    private final Supplier<ServerIdentity> identity;
    private final NoiseTransportConfig noise;
    private final int idleSeconds;
    private final SessionRegistry<JdsSession> sessions;
    private final AtomicLong connectionIds = new AtomicLong();
    private Channel listener;
    private ScheduledFuture<?> ticker;

    public JdsServer(JobDeclarations jd, Supplier<ServerIdentity> identity, NoiseTransportConfig noise, int idleSeconds) {
        this.jd = Objects.requireNonNull(jd, "jd");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.noise = Objects.requireNonNull(noise, "noise").withMaxPayloadLength(MAX_INBOUND_PAYLOAD);
        this.idleSeconds = idleSeconds;
        this.sessions = new SessionRegistry<>("jds", jd.pool().metrics());
    }

    /** Binds and starts accepting; returns the bound address (port 0 gets an OS-chosen port). */
    public InetSocketAddress start(EventLoopGroup boss, EventLoopGroup workers, InetSocketAddress bind)
            throws InterruptedException {
        listener = StratumListener.bind(boss, workers, bind, jd.pool().bans(), new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                        .addLast("idle", new IdleStateHandler(idleSeconds, 0, 0, TimeUnit.SECONDS))
                        .addLast("noise", NoiseHandler.server(identity, noise))
                        .addLast("frames", new Sv2FrameDecoder(MAX_INBOUND_PAYLOAD))
                        .addLast("frameEncoder", new Sv2FrameEncoder())
                        .addLast("messages", Sv2MessageHandler.INSTANCE)
                        .addLast("session", new JdsServerHandler(JdsServer.this));
            }
        });
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        ticker = workers.scheduleAtFixedRate(() -> sessions.forEach(JdsSession::onTick), 1, 1, TimeUnit.SECONDS);
        log.info("Job Declaration Server listening on {}", bound);
        return bound;
    }

    JdsSession newSession(JdsServerHandler handler) {
        sessions.opened(handler);
        return new JdsSession(jd, handler, "jds-" + connectionIds.incrementAndGet());
    }

    void sessionClosed(JdsServerHandler handler) {
        sessions.closed(handler);
    }

    public List<JdsSession> sessions() {
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
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
    }
}
