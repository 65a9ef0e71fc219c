package org.templar.client.miner;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.sv1.codec.Sv1Encoder;
import org.templar.pool.sv1.codec.Sv1Message;
import org.templar.pool.sv2.codec.Sv2FrameDecoder;
import org.templar.pool.sv2.codec.Sv2FrameEncoder;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2MessageHandler;
import org.templar.pool.sv2.noise.AuthorityPublicKey;
import org.templar.pool.sv2.transport.NoiseHandler;
import org.templar.pool.sv2.transport.NoiseTransportConfig;
import org.templar.share.Sha256Compressor;

/**
 * {@code templar mine}: a CPU miner speaking Stratum V1 ({@link MinerSession}) or Stratum V2 over Noise
 * ({@link Sv2MinerSession}, standard or extended channel), chosen by the URL's scheme. Owns one Netty event loop (the connection and
 * its {@link MinerSession}), the {@link HashWorkers} threads, reconnection with backoff, limits and the
 * periodic statistics line.
 *
 * <pre>
 *   CpuMiner miner = CpuMiner.start(MinerConfig.of("stratum+tcp://127.0.0.1:3333", address));
 *   MinerStats last = miner.termination().join();   // or miner.close()
 * </pre>
 */
public final class CpuMiner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CpuMiner.class);
    /** Generous: a pool's notify with a large coinbase and a deep branch is far below this. */
    static final int MAX_LINE = 256 * 1024;
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final int READ_TIMEOUT_SECONDS = 600;

    private final MinerConfig config;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final HashWorkers workers;
    private final MinerCounters counters = new MinerCounters();
    private final AtomicLong jobSequence = new AtomicLong();
    private final CompletableFuture<MinerStats> termination = new CompletableFuture<>();
    private final long startNanos = System.nanoTime();

    // Confined to the event loop:
    private StratumEndpoint endpoint;
    private int failedAttempts;
    private Duration redirectWait;
    /** The pool's id for our last subscription: offered on reconnect so the pool can resume it. */
    private Optional<String> lastSessionId = Optional.empty();

    private volatile Connection connection;
    private volatile boolean stopped;
    private volatile double windowRate = -1;
    private long windowHashes;
    private long windowNanos = startNanos;

    private CpuMiner(MinerConfig config, int nonceBits) {
        this.config = config;
        this.endpoint = config.endpoint();
        this.group = new NioEventLoopGroup(1, new DefaultThreadFactory("templar-miner-io", true));
        this.workers = new HashWorkers(config.threads(), nonceBits, this::shareFound);
        this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
    }

    /** Starts mining: connects, hands out work to {@code config.threads()} hashing threads. */
    public static CpuMiner start(MinerConfig config) {
        return start(config, 32);
    }

    /** As {@link #start(MinerConfig)} with a smaller nonce range per roll, so tests see version/extranonce2 rolling. */
    static CpuMiner start(MinerConfig config, int nonceBits) {
        CpuMiner miner = new CpuMiner(config, nonceBits);
        miner.workers.start();
        LOG.info("templar mine: {}{} as {}, {} thread(s), version rolling {}, SHA-256 {}", config.endpoint(),
                config.endpoint().isSv2() ? " (" + config.channelType() + " channel)" : "",
                config.user(), config.threads(), config.versionRolling() ? "on" : "off",
                Sha256Compressor.INTRINSIC ? "compression function with midstates"
                        : "via MessageDigest (run the JVM with --add-opens java.base/sun.security.provider=ALL-UNNAMED"
                                + " for midstates, about a third faster)");
        miner.group.execute(miner::connect);
        if (!config.maxDuration().isZero()) {
            miner.group.schedule(() -> miner.stop("time limit " + config.maxDuration() + " reached", null),
                    config.maxDuration().toMillis(), TimeUnit.MILLISECONDS);
        }
        long every = config.statsInterval().toMillis();
        miner.group.scheduleAtFixedRate(miner::report, every, every, TimeUnit.MILLISECONDS);
        return miner;
    }

    public MinerConfig config() {
        return config;
    }

    /** What has been done so far (any thread). */
    public MinerStats snapshot() {
        long hashes = workers.totalHashes();
        double rate = windowRate;
        Duration uptime = Duration.ofNanos(System.nanoTime() - startNanos);
        if (rate < 0) {
            double secs = Math.max(1e-3, uptime.toNanos() / 1e9);
            rate = hashes / secs;
        }
        return counters.snapshot(hashes, rate, config.threads(), uptime);
    }

    /** Waits until at least {@code n} blocks were found and accepted; false on timeout or when the miner stopped. */
    public boolean awaitBlocks(long n, Duration timeout) throws InterruptedException {
        return counters.awaitBlocks(n, timeout);
    }

    /** Waits until at least {@code n} shares were accepted; false on timeout or when the miner stopped. */
    public boolean awaitAccepted(long n, Duration timeout) throws InterruptedException {
        return counters.awaitAccepted(n, timeout);
    }

    /**
     * Completes with the final stats when the miner stops: normally on a limit or {@link #close()},
     * exceptionally when it cannot go on (credentials refused, reconnect attempts exhausted).
     */
    public CompletableFuture<MinerStats> termination() {
        return termination;
    }

    /** True while a connection to the pool is authorized. */
    public boolean isConnected() {
        Connection c = connection;
        return c != null && c.channel.isActive() && c.authorized;
    }

    @Override
    public void close() {
        stop("closed", null);
        group.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    // ---- connection lifecycle (event loop) ----

    private void connect() {
        if (stopped) {
            return;
        }
        StratumEndpoint target = endpoint;
        Connection conn = new Connection();
        ChannelFuture f;
        if (target.isSv2()) {
            f = connectSv2(target, conn);
        } else {
            f = connectSv1(target, conn);
        }
        conn.channel = f.channel();
        connection = conn;
        f.addListener((ChannelFuture done) -> {
            if (!done.isSuccess()) {
                LOG.warn("cannot connect to {}: {}", target, done.cause().toString());
            }
        });
        f.channel().closeFuture().addListener(closed -> onClosed(conn));
    }

    /**
     * Stratum V2: Noise (authenticating the pool against the pinned authority key) -> frames -> typed
     * messages -> {@link Sv2MinerSession}.
     */
    private ChannelFuture connectSv2(StratumEndpoint target, Connection conn) {
        Sv2MinerSession session = new Sv2MinerSession(config, target.host(), target.port(), conn, workers::publish,
                counters, jobSequence);
        conn.sv2Session = session;
        if (windowRate > 0) {
            session.hashrateMeasured(windowRate); // a reconnect: open the channel with what we know
        }
        AuthorityPublicKey authority = target.authority().orElseThrow();
        return bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                        .addLast("timeout", new ReadTimeoutHandler(READ_TIMEOUT_SECONDS))
                        .addLast("noise", NoiseHandler.client(authority, NoiseTransportConfig.defaults()))
                        .addLast("frames", new Sv2FrameDecoder())
                        .addLast("framesOut", new Sv2FrameEncoder())
                        .addLast("messages", Sv2MessageHandler.INSTANCE)
                        .addLast("session", new Sv2MinerChannelHandler(session));
            }
        }).connect(target.host(), target.port());
    }

    private ChannelFuture connectSv1(StratumEndpoint target, Connection conn) {
        MinerSession session = new MinerSession(config, conn, workers::publish, counters, jobSequence,
                lastSessionId);
        conn.session = session;
        io.netty.handler.ssl.SslContext tls = null;
        if (target.tls()) {
            try {
                tls = config.tls().clientContext();
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
            }
            if (config.tls().insecure()) {
                LOG.warn("TLS to {} WITHOUT checking the pool's certificate (--tls-insecure): anyone on the path can"
                        + " read and change this connection", target);
            }
        }
        io.netty.handler.ssl.SslContext sslContext = tls;
        return bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (sslContext != null) {
                    io.netty.handler.ssl.SslHandler ssl = sslContext.newHandler(ch.alloc(), target.host(), target.port());
                    if (config.tls().verifiesHostName()) {
                        javax.net.ssl.SSLParameters params = ssl.engine().getSSLParameters();
                        params.setEndpointIdentificationAlgorithm("HTTPS");
                        ssl.engine().setSSLParameters(params);
                    }
                    ch.pipeline().addLast("tls", ssl);
                }
                ch.pipeline()
                        .addLast("timeout", new ReadTimeoutHandler(READ_TIMEOUT_SECONDS))
                        .addLast("frames", new LineBasedFrameDecoder(MAX_LINE, true, true))
                        .addLast("text", new StringDecoder(StandardCharsets.UTF_8))
                        .addLast("textOut", new StringEncoder(StandardCharsets.UTF_8))
                        .addLast("session", new MinerChannelHandler(session));
            }
        }).connect(target.host(), target.port());
    }

    private void onClosed(Connection conn) {
        if (connection == conn) {
            connection = null;
        }
        conn.stopSession();
        if (stopped) {
            return;
        }
        if (redirectWait != null) {
            Duration wait = redirectWait;
            redirectWait = null;
            LOG.info("reconnecting to {} in {} s as the pool asked", endpoint, wait.toSeconds());
            group.schedule(this::connect, wait.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        failedAttempts++;
        if (config.maxReconnects() > 0 && failedAttempts > config.maxReconnects()) {
            stop(null, "gave up on " + endpoint + " after " + config.maxReconnects() + " reconnect attempt(s)");
            return;
        }
        long backoff = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(failedAttempts - 1, 10));
        LOG.warn("lost the pool at {}; reconnecting in {} ms (attempt {})", endpoint, backoff, failedAttempts);
        group.schedule(this::connect, backoff, TimeUnit.MILLISECONDS);
    }

    /** Called by hashing threads: hop onto the event loop of the connection the job came from. */
    private void shareFound(FoundShare share) {
        Connection c = connection;
        if (c == null || stopped) {
            counters.discarded();
            return;
        }
        try {
            c.channel.eventLoop().execute(() -> {
                if (connection == c) {
                    c.shareFound(share);
                } else {
                    counters.discarded();
                }
            });
        } catch (RejectedExecutionException e) {
            counters.discarded(); // the miner is shutting down
        }
    }

    private void checkLimits() {
        if (config.maxShares() > 0 && counters.accepted() >= config.maxShares()) {
            stop(config.maxShares() + " accepted share(s) reached", null);
        } else if (config.maxBlocks() > 0 && counters.blocks() >= config.maxBlocks()) {
            stop(config.maxBlocks() + " block(s) found", null);
        }
    }

    private void report() {
        long now = System.nanoTime();
        long hashes = workers.totalHashes();
        boolean hashing = hashes > windowHashes;
        double secs = (now - windowNanos) / 1e9;
        if (secs > 0) {
            windowRate = (hashes - windowHashes) / secs;
        }
        windowHashes = hashes;
        windowNanos = now;
        Connection c = connection;
        if (c != null && c.sv2Session != null && secs > 0) {
            c.sv2Session.hashrateMeasured(windowRate); // same event loop as the session
        }
        if (!hashing) {
            // a hashrate of 0 every few seconds says nothing new: say once that work is missing
            if (!idleReported) {
                LOG.info("no work from the pool: waiting (hashrate reports resume with work)");
                idleReported = true;
            }
            return;
        }
        idleReported = false;
        LOG.info(snapshot().summary(config.threads()));
    }

    /** Whether the "no work" line was logged since the miner last hashed (report thread only). */
    private boolean idleReported;

    /** Stops everything once; {@code error} non-null completes {@link #termination()} exceptionally. */
    private void stop(String reason, String error) {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        if (error != null) {
            LOG.error("miner stopping: {}", error);
        } else {
            LOG.info("miner stopping: {}", reason);
        }
        workers.close();
        Connection c = connection;
        if (c != null) {
            c.channel.close();
        }
        MinerStats last = snapshot();
        LOG.info("final: {}", last.summary(config.threads()));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        counters.stopped();
        if (error != null) {
            termination.completeExceptionally(new IllegalStateException(error));
        } else {
            termination.complete(last);
        }
    }

    /** One TCP connection: the {@link MinerSession.Link} its session talks through. */
    private final class Connection implements MinerSession.Link, Sv2MinerSession.Link {
        Channel channel;
        /** Exactly one of the two sessions, by the endpoint's protocol. */
        MinerSession session;
        Sv2MinerSession sv2Session;
        volatile boolean authorized;

        void shareFound(FoundShare share) {
            if (sv2Session != null) {
                sv2Session.onShareFound(share);
            } else {
                session.onShareFound(share);
            }
        }

        void stopSession() {
            if (sv2Session != null) {
                sv2Session.stop();
            } else {
                session.stop();
            }
        }

        @Override
        public void send(Sv1Message message) {
            channel.writeAndFlush(Sv1Encoder.encode(message) + "\n");
        }

        @Override
        public void send(Sv2Message message) {
            channel.writeAndFlush(message);
        }

        @Override
        public void reconnect(Optional<String> host, OptionalInt port, Duration wait) {
            try {
                // Same protocol and, for V2, the same pinned authority: a pool can move us, not re-key us.
                endpoint = endpoint.withAddress(host.orElse(endpoint.host()), port.orElse(endpoint.port()));
            } catch (IllegalArgumentException e) {
                LOG.warn("ignoring client.reconnect to an invalid address: {}", e.getMessage());
                return;
            }
            redirectWait = wait;
            lastSessionId = Optional.empty(); // another pool (or place) has never heard of our session
            channel.close();
        }

        @Override
        public void subscribed(String sessionId) {
            lastSessionId = Optional.of(sessionId);
        }

        @Override
        public void fatal(String reason) {
            stop(null, reason);
        }

        @Override
        public void established() {
            authorized = true;
            failedAttempts = 0;
        }

        @Override
        public void shareAnswered() {
            checkLimits();
        }
    }
}
