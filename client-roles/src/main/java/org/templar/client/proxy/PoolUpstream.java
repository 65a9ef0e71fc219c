package org.templar.client.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.core.ShareProcessor;
import org.templar.pool.job.CoinbaseBuilder;
import org.templar.pool.job.Job;
import org.templar.pool.job.Template;
import org.templar.pool.job.TemplateSource;
import org.templar.payout.coinbase.TxOut;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.noise.AuthorityPublicKey;
import org.templar.pool.sv2.transport.NoiseFailure;
import org.templar.pool.sv2.transport.NoiseHandshakeComplete;
import org.templar.pool.sv2.transport.Sv2ClientPipeline;
import org.templar.share.BlockHeader;
import org.templar.share.ExtranoncePrefix;
import org.templar.share.Target;

/**
 * The proxy's pool: a Job Declaration connection to the pool's JDS and a mining connection with one
 * work-selecting extended channel, both over Noise with the pool's pinned authority key. While both are
 * up (a token in hand, the channel open) the proxy's templates are mined as declared jobs: the coinbase
 * pays the pool's outputs, each template is declared and announced with SetCustomMiningJob, downstream
 * shares that meet the channel's target go up as SubmitSharesExtended, and a block also goes to the
 * JDS as PushSolution. In Coinbase-only mode ({@link Config#coinbaseOnly}) nothing is declared: each
 * template goes straight to SetCustomMiningJob with an allocated token, and a block goes only to the
 * miner's node (and to the pool as a share).
 *
 * <p>A pool that refuses Coinbase-only mode is a pool that cannot be used, like one that refuses a
 * declaration: the miners move on (next pool, or solo) and it is retried on the back-off, in case its
 * operator allows the mode later. The proxy does not fall back to Full-Template by itself: the miner
 * chose Coinbase-only to keep its transaction set private, and only the miner can decide to reveal it.
 * The refusal is in the log (the selector's warning names the spec error) and in {@link #status}. When either session fails (refusal, silence, rejected shares on an acknowledged
 * job, a closed connection) the pool is {@linkplain Listener#lost lost} and, while it is still wanted,
 * tried again after the retry interval (backing off up to 8x while it keeps failing).
 *
 * <p>Which pool the miners are on is not decided here: a pool only reports that it is
 * {@linkplain Listener#ready ready} (token in hand, channel open) with the coinbase maker of its jobs, and
 * the {@link UpstreamSelector} puts that maker on the template source, or not. A pool only declares
 * templates and forwards shares of jobs built with its own maker, so several can exist side by side.
 *
 * <p>All session state lives on this object's single event loop; the template source and the SV1
 * loops reach it through {@code execute}.
 */
public final class PoolUpstream implements ShareProcessor.ShareObserver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PoolUpstream.class);

    /**
     * @param jds the pool's Job Declaration Server
     * @param mining the pool's Stratum V2 mining endpoint
     * @param authority the pool's authority public key (both endpoints)
     * @param user the identity the pool credits
     * @param timeout how long an answer may take before the pool is given up
     * @param retry how long to wait before trying the pool again
     * @param coinbaseOnly declare in Coinbase-only mode (the pool sees the coinbase, never the
     *     transactions) instead of Full-Template
     */
    public record Config(InetSocketAddress jds, InetSocketAddress mining, AuthorityPublicKey authority, String user,
            Duration timeout, Duration retry, boolean coinbaseOnly) {
        /** Full-Template mode. */
        public Config(InetSocketAddress jds, InetSocketAddress mining, AuthorityPublicKey authority, String user,
                Duration timeout, Duration retry) {
            this(jds, mining, authority, user, timeout, retry, false);
        }

        /** The same pool, declared in Coinbase-only mode ({@code true}) or Full-Template. */
        public Config withCoinbaseOnly(boolean on) {
            return new Config(jds, mining, authority, user, timeout, retry, on);
        }

        /** The declaration mode, as the spec names it. */
        public String mode() {
            return coinbaseOnly ? "Coinbase-only" : "Full-Template";
        }
    }

    /**
     * What the operator sees of one pool: whether the miners can be on it now, and the last reason it
     * could not be used (with when), e.g. the pool refusing Coinbase-only mode.
     */
    public record Status(Config config, boolean ready, java.util.Optional<String> lastFailure,
            java.util.Optional<java.time.Instant> lastFailureAt) {}

    /** What the proxy is mining on. */
    public enum Mode { SOLO, POOL }

    /** What the pool reports, on its own loop; at most one {@code lost} follows each {@code ready}. */
    public interface Listener {
        /** Both sessions are up: templates built with {@code maker} are mined for this pool. */
        void ready(PoolUpstream pool, Template.CoinbaseMaker maker);

        /**
         * This connection attempt is over ({@code wasReady}: the pool was usable until now); while wanted
         * the pool tries again by itself.
         */
        void lost(PoolUpstream pool, String reason, boolean wasReady);
    }

    private final Config config;
    private final TemplateSource templates;
    private final int downstreamExtranonceSize;
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private volatile java.util.function.LongConsumer shareLatency;
    private final io.netty.channel.EventLoop loop = group.next();
    private final Bootstrap bootstrap;
    private final Map<Long, Long> declaredTemplates = new HashMap<>(); // JD request id -> template sequence
    private final Listener listener;

    // loop-confined
    private JdClientSession jd;
    private UpstreamMiningSession up;
    private Channel jdChannel;
    private Channel upChannel;
    private List<TxOut> poolOutputs;
    private byte[] channelPrefix;
    private int channelExtranonceSize;
    private boolean wanted; // keep a connection (retrying): the selector's choice
    private io.netty.util.concurrent.ScheduledFuture<?> reconnect;
    private int generation; // events of sessions from an earlier attempt are ignored
    private int failuresInRow; // back-off: a pool that keeps refusing is retried less often (up to 8x)

    // read by the SV1 loops and the template source thread
    private volatile DeclaredMaker maker; // while ready: the coinbase layout of this pool's jobs
    private volatile Target upstreamTarget;
    private volatile boolean closed;
    private volatile String lastFailure;
    private volatile java.time.Instant lastFailureAt;

    public PoolUpstream(Config config, TemplateSource templates, int downstreamExtranonceSize, Listener listener) {
        this.config = config;
        this.templates = templates;
        this.downstreamExtranonceSize = downstreamExtranonceSize;
        this.listener = listener;
        this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.timeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true);
    }

    /** Listens to templates and runs the sessions' timers; connects only once {@link #want wanted}. */
    public void start() {
        templates.addListener(t -> {
            if (!closed) { // the template source may outlive this pool by a moment at shutdown
                loop.execute(() -> onTemplate(t));
            }
        });
        loop.scheduleAtFixedRate(this::tick, 250, 250, TimeUnit.MILLISECONDS);
    }

    public Config config() {
        return config;
    }

    /** Ready or not, and the last reason this pool could not be used. */
    public Status status() {
        return new Status(config, maker != null, java.util.Optional.ofNullable(lastFailure),
                java.util.Optional.ofNullable(lastFailureAt));
    }

    /** Both sessions are up and the pool's jobs can be mined. */
    public boolean isReady() {
        return maker != null;
    }

    /** Connect now (unless connected or connecting) and keep retrying after failures. */
    public void want() {
        loop.execute(() -> {
            if (closed || wanted) {
                return;
            }
            wanted = true;
            failuresInRow = 0;
            if (jd == null) {
                cancelReconnect();
                connect();
            }
        });
    }

    /**
     * Hang up and stop retrying: a pool of higher priority is mined. Quietly: a pool that was ready is
     * not mined any more by the time this is called, so no {@code lost} is reported.
     */
    public void standDown() {
        loop.execute(() -> {
            if (!wanted) {
                return;
            }
            wanted = false;
            cancelReconnect();
            generation++;
            maker = null;
            hangUp();
        });
    }

    private void cancelReconnect() {
        if (reconnect != null) {
            reconnect.cancel(false);
            reconnect = null;
        }
    }

    /**
     * The layout of a declared job's coinbase: the declared coinbase (pool outputs, height push), with
     * the channel's extranonce prefix and any bytes of the channel's extranonce the downstream does not
     * roll fixed (zero) in the prefix half. Immutable: built on the SV1 loops.
     */
    private record DeclaredMaker(List<TxOut> poolOutputs, byte[] channelPrefix, int channelExtranonceSize)
            implements Template.CoinbaseMaker {
        int fullExtranonceSize() {
            return channelPrefix.length + channelExtranonceSize;
        }

        @Override
        public CoinbaseBuilder.Halves make(org.templar.pool.node.BlockTemplate t, org.templar.payout.coinbase.PayoutPlan plan,
                int extranonceSize) {
            if (extranonceSize > channelExtranonceSize) {
                throw new IllegalStateException("the pool's channel has " + channelExtranonceSize
                        + " extranonce bytes, the miners roll " + extranonceSize);
            }
            CustomJobCoinbase cb = CustomJobCoinbase.build(t, poolOutputs, fullExtranonceSize());
            byte[] head = cb.strippedPrefix();
            byte[] prefix = new byte[head.length + channelPrefix.length + channelExtranonceSize - extranonceSize];
            System.arraycopy(head, 0, prefix, 0, head.length);
            System.arraycopy(channelPrefix, 0, prefix, head.length, channelPrefix.length);
            return new CoinbaseBuilder.Halves(prefix, cb.strippedSuffix(), extranonceSize,
                    t.defaultWitnessCommitment().isPresent());
        }
    }

    // ---- connections ----

    private void connect() {
        reconnect = null;
        if (closed || !wanted) {
            return;
        }
        long now = System.nanoTime();
        int gen = ++generation;
        JdClientSession j = new JdClientSession(m -> write(jdChannel, m), new JdEvents(gen), config.user(), config.timeout(),
                !config.coinbaseOnly());
        UpstreamMiningSession u = new UpstreamMiningSession(m -> write(upChannel, m), new UpEvents(gen), config.user(),
                downstreamExtranonceSize, config.timeout());
        jd = j;
        up = u;
        poolOutputs = null;
        channelPrefix = null;
        declaredTemplates.clear();
        jdChannel = open(config.jds(), j::start, (m, t) -> j.onMessage(m, t), j::onClosed, j::tick);
        upChannel = open(config.mining(), u::start, (m, t) -> u.onMessage(m, t), u::onClosed, u::tick);
    }

    private interface Inbound {
        void on(Sv2Message m, long nowNanos);
    }

    private interface Timed {
        void at(long nowNanos);
    }

    private Channel open(InetSocketAddress to, Timed onHandshake, Inbound onMessage, Runnable onClosed, Timed tick) {
        long started = System.nanoTime();
        var f = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                Sv2ClientPipeline.install(ch.pipeline(), config.authority())
                        .addLast("session", new SimpleChannelInboundHandler<Sv2Message>(Sv2Message.class) {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                                if (evt instanceof NoiseHandshakeComplete) {
                                    onHandshake.at(System.nanoTime());
                                } else if (evt instanceof NoiseFailure failure) {
                                    log.error("pool {} failed the Noise handshake ({}): {}", to, failure.reason(),
                                            failure.message());
                                }
                                super.userEventTriggered(ctx, evt);
                            }

                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, Sv2Message m) {
                                onMessage.on(m, System.nanoTime());
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                onClosed.run();
                                ctx.fireChannelInactive();
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                log.warn("pool connection {}: {}", to, cause.toString());
                                ctx.close();
                            }
                        });
            }
        }).connect(to);
        f.addListener(done -> {
            if (!done.isSuccess()) {
                onClosed.run(); // refused or timed out: the session reports it as a failure
            }
        });
        return f.channel();
    }

    private static void write(Channel ch, Sv2Message m) {
        if (ch != null && ch.isActive()) {
            ch.writeAndFlush(m);
        }
    }

    private void tick() {
        long now = System.nanoTime();
        if (jd != null) {
            jd.tick(now);
        }
        if (up != null) {
            up.tick(now);
        }
    }

    // ---- session events (on the loop) ----

    private final class JdEvents implements JdClientSession.Listener {
        private final int gen;

        JdEvents(int gen) {
            this.gen = gen;
        }

        @Override
        public void tokenReady(List<TxOut> outputs) {
            if (gen != generation || poolOutputs != null) {
                return; // later tokens carry the same outputs: only the first one switches to the pool
            }
            poolOutputs = outputs;
            maybeEnterPool();
        }

        @Override
        public void declared(JdClientSession.Declaration d, byte[] newToken) {
            Long sequence = declaredTemplates.remove(d.requestId());
            if (gen == generation && sequence != null && up != null && up.isOpen()) {
                up.setCustomJob(sequence, newToken, d.coinbase(), System.nanoTime());
            }
        }

        @Override
        public void failed(String reason) {
            if (gen == generation) {
                giveUp("job declaration: " + reason);
            }
        }
    }

    private final class UpEvents implements UpstreamMiningSession.Listener {
        private final int gen;

        UpEvents(int gen) {
            this.gen = gen;
        }

        @Override
        public void channelOpened(long channelId, byte[] prefix, int size, Target target) {
            if (gen != generation) {
                return;
            }
            channelPrefix = prefix;
            channelExtranonceSize = size;
            upstreamTarget = target;
            maybeEnterPool();
        }

        @Override
        public void shareAnswered(long nanos) {
            java.util.function.LongConsumer c = shareLatency;
            if (c != null) {
                c.accept(nanos);
            }
        }

        @Override
        public void jobAccepted(long localJobId, long poolJobId) {
            if (gen == generation) {
                failuresInRow = 0; // the pool works
            }
            log.debug("pool acknowledged custom job {} as {}", localJobId, poolJobId);
        }

        @Override
        public void failed(String reason) {
            if (gen == generation) {
                giveUp("mining: " + reason);
            }
        }
    }

    private void maybeEnterPool() {
        if (maker != null || poolOutputs == null || channelPrefix == null) {
            return;
        }
        DeclaredMaker m = new DeclaredMaker(poolOutputs, channelPrefix, channelExtranonceSize);
        maker = m;
        log.debug("pool {} ready (JDS {}, {} mode; payout output first of {})", config.mining(), config.jds(), config.mode(),
                poolOutputs.size());
        listener.ready(this, m);
    }

    private void giveUp(String reason) {
        if (closed) {
            return;
        }
        generation++;
        boolean wasReady = maker != null;
        maker = null;
        lastFailure = reason;
        lastFailureAt = java.time.Instant.now();
        log.debug("pool {} lost ({}); retried in {} s while wanted", config.mining(), reason, config.retry().toSeconds());
        hangUp();
        if (wanted && reconnect == null && !closed) {
            long delay = config.retry().toMillis() << Math.min(3, failuresInRow);
            failuresInRow++;
            reconnect = loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        }
        listener.lost(this, reason, wasReady);
    }

    /** Ends both sessions and closes their connections; events of theirs are ignored (older generation). */
    private void hangUp() {
        JdClientSession j = jd;
        UpstreamMiningSession u = up;
        jd = null;
        up = null;
        if (j != null) {
            j.onClosed(); // ends the old session; its events are ignored now (older generation)
        }
        if (u != null) {
            u.onClosed();
        }
        if (jdChannel != null) {
            jdChannel.close();
        }
        if (upChannel != null) {
            upChannel.close();
        }
        jdChannel = null;
        upChannel = null;
    }

    private void onTemplate(Template t) {
        DeclaredMaker m = maker;
        if (jd == null || m == null || t.coinbaseMaker() != m) {
            return; // a solo template, or one built for an earlier pool session
        }
        CustomJobCoinbase cb = CustomJobCoinbase.build(t.blockTemplate(), m.poolOutputs(), m.fullExtranonceSize());
        if (config.coinbaseOnly()) {
            // nothing to declare: the job goes to the pool's mining connection with an allocated token
            byte[] token = jd.takeToken(System.nanoTime());
            if (token == null || up == null || !up.isOpen()) {
                log.warn("no job token in hand for the template at height {}; it is mined but not announced",
                        t.blockTemplate().height());
                return;
            }
            up.setCustomJob(t.sequence(), token, cb, System.nanoTime());
            return;
        }
        JdClientSession.Declaration d = jd.declare(cb, System.nanoTime());
        if (d == null) {
            log.warn("no job token in hand for the template at height {}; it is mined but not declared",
                    t.blockTemplate().height());
            return;
        }
        declaredTemplates.put(d.requestId(), t.sequence());
    }

    /**
     * Told, on the upstream loop, how long each forwarded share took from the proxy accepting it to
     * the pool's SubmitShares.Success (nanoseconds); for benchmarks and metrics.
     */
    public void onShareAnswered(java.util.function.LongConsumer consumer) {
        shareLatency = consumer;
    }

    // ---- shares from the SV1 loops ----

    @Override
    public void accepted(Job job, ExtranoncePrefix extranonce1, byte[] extranonce2, int ntime, int nonce, int version, byte[] hashLe) {
        DeclaredMaker m = maker;
        Target target = upstreamTarget;
        if (m == null || job.template().coinbaseMaker() != m || target == null || !target.isMetBy(hashLe)) {
            return;
        }
        byte[] extranonce = new byte[m.channelExtranonceSize()];
        int fixed = extranonce.length - extranonce1.size() - extranonce2.length;
        extranonce1.writeTo(extranonce, fixed);
        System.arraycopy(extranonce2, 0, extranonce, fixed + extranonce1.size(), extranonce2.length);
        long sequence = job.template().sequence();
        var share = new UpstreamMiningSession.Share(sequence, nonce & 0xffffffffL, ntime & 0xffffffffL,
                version & 0xffffffffL, extranonce);
        loop.execute(() -> {
            if (up != null && maker == m) {
                up.submit(share);
            }
        });
    }

    @Override
    public void solved(Job job, byte[] extranonce, byte[] header80) {
        DeclaredMaker m = maker;
        // Coinbase-only: no PushSolution (the JDS has no transactions); the miner's node has the block
        if (m == null || job.template().coinbaseMaker() != m || config.coinbaseOnly()) {
            return;
        }
        // PushSolution carries the full extranonce: the channel prefix, the fixed bytes, the miner's
        byte[] full = new byte[m.fullExtranonceSize()];
        System.arraycopy(m.channelPrefix(), 0, full, 0, m.channelPrefix().length);
        System.arraycopy(extranonce, 0, full, full.length - extranonce.length, extranonce.length);
        byte[] prev = java.util.Arrays.copyOfRange(header80, 4, 36);
        long version = BlockHeader.readIntLe(header80, 0) & 0xffffffffL;
        long ntime = BlockHeader.readIntLe(header80, 68) & 0xffffffffL;
        long nbits = BlockHeader.readIntLe(header80, 72) & 0xffffffffL;
        long nonce = BlockHeader.readIntLe(header80, 76) & 0xffffffffL;
        loop.execute(() -> {
            if (jd != null) {
                jd.pushSolution(full, prev, nonce, ntime, nbits, version);
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
