package org.templar.client.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.core.ShareProcessor;
import org.templar.pool.job.Job;
import org.templar.pool.node.BlockTemplate;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.session.Sv2Output;
import org.templar.pool.sv2.noise.AuthorityPublicKey;
import org.templar.pool.sv2.transport.NoiseFailure;
import org.templar.pool.sv2.transport.NoiseHandshakeComplete;
import org.templar.pool.sv2.transport.Sv2ClientPipeline;
import org.templar.share.ExtranoncePrefix;

/**
 * The proxy's connection to a Template Distribution provider: the shared SV2 client transport
 * ({@link Sv2ClientPipeline}: Noise pinned to the provider's authority key, frames, messages) around a
 * {@link TdpClientSession}. Complete templates go to {@code templates}; solved blocks on them go back
 * as SubmitSolution ({@link #solved}). A lost connection is opened again every {@code retry}; the
 * miners keep the last work meanwhile.
 */
public final class TdpClient implements ShareProcessor.ShareObserver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TdpClient.class);

    /**
     * @param address the provider's Template Distribution endpoint
     * @param authority its authority public key
     */
    public record Config(InetSocketAddress address, AuthorityPublicKey authority) {}

    private final Config config;
    private final Consumer<BlockTemplate> templates;
    private final long outputBytes;
    private final int sigops;
    private final Duration retry;
    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private final EventLoop loop = group.next();
    private final CompletableFuture<Void> firstSetUp = new CompletableFuture<>();
    // loop-confined
    private TdpClientSession session;
    private volatile boolean closed;
    private volatile boolean ready;

    /**
     * @param outputBytes the most bytes of outputs the proxy adds to the coinbase (CoinbaseOutputConstraints)
     * @param sigops the most sigops those outputs carry
     */
    public TdpClient(Config config, Consumer<BlockTemplate> templates, long outputBytes, int sigops, Duration retry) {
        this.config = config;
        this.templates = templates;
        this.outputBytes = outputBytes;
        this.sigops = sigops;
        this.retry = retry;
    }

    /** Connects; the future completes once the first connection is set up (or fails if it is refused). */
    public CompletableFuture<Void> start() {
        loop.execute(this::connect);
        return firstSetUp;
    }

    /** True while a connection to the provider is set up. */
    public boolean isConnected() {
        return ready;
    }

    private void connect() {
        if (closed) {
            return;
        }
        Bridge bridge = new Bridge();
        TdpClientSession s = new TdpClientSession(bridge, new TdpClientSession.Listener() {
            @Override
            public void onTemplate(BlockTemplate template) {
                templates.accept(template);
            }
        }, outputBytes, sigops);
        bridge.session = s;
        session = s;
        var f = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Sv2ClientPipeline.install(ch.pipeline(), config.authority()).addLast("session", bridge);
                    }
                }).connect(config.address());
        bridge.channel = f.channel();
        f.addListener((ChannelFutureListener) done -> {
            if (!done.isSuccess()) {
                log.warn("template provider {} unreachable: {}", config.address(), done.cause().toString());
                lost(s);
            }
        });
    }

    private void lost(TdpClientSession s) {
        if (s != session) {
            return;
        }
        ready = false;
        s.onClosed();
        if (!closed) {
            loop.schedule(this::connect, retry.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void accepted(Job job, ExtranoncePrefix extranonce1, byte[] extranonce2, int ntime, int nonce, int version, byte[] hashLe) {
        // shares below the network target are the proxy's own business
    }

    /** A block on a template from the provider: SubmitSolution with the whole coinbase (witness form). */
    @Override
    public void solved(Job job, byte[] extranonce, byte[] header80) {
        Optional<Long> id = TdpTemplateAssembler.templateId(job.template().blockTemplate());
        if (id.isEmpty()) {
            return;
        }
        byte[] coinbase = job.coinbase().withWitness(extranonce);
        ByteBuffer h = ByteBuffer.wrap(header80).order(ByteOrder.LITTLE_ENDIAN);
        int version = h.getInt(0);
        int time = h.getInt(68);
        int nonce = h.getInt(76);
        loop.execute(() -> {
            if (session == null || !session.isReady()) {
                log.error("block on template {} found while the template provider is disconnected: not submitted to it",
                        Long.toUnsignedString(id.get()));
                return;
            }
            session.submitSolution(id.get(), version, time, nonce, coinbase);
            log.info("solution for template {} sent to the template provider", Long.toUnsignedString(id.get()));
        });
    }

    @Override
    public void close() {
        closed = true;
        firstSetUp.completeExceptionally(new IllegalStateException("closed"));
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The transport end of one connection's session. */
    private final class Bridge extends SimpleChannelInboundHandler<Sv2Message> implements Sv2Output {
        TdpClientSession session;
        Channel channel;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof NoiseHandshakeComplete) {
                TdpClientSession s = session;
                s.start(config.address().getHostString(), config.address().getPort()).whenComplete((v, e) -> {
                    if (e == null) {
                        ready = true;
                        log.info("taking templates from the template provider at {}", config.address());
                        firstSetUp.complete(null);
                    } else if (e instanceof TdpClientSession.SetupRefused) {
                        firstSetUp.completeExceptionally(e);
                    }
                });
            } else if (evt instanceof NoiseFailure failure) {
                log.error("template provider {} failed the Noise handshake ({}): {}", config.address(), failure.reason(),
                        failure.message());
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Sv2Message m) {
            session.onMessage(m);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            log.warn("template provider connection {} closed{}", config.address(),
                    closed ? "" : "; reconnecting in " + retry.toMillis() + " ms");
            lost(session);
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn("template provider connection {}: {}", config.address(), cause.toString());
            ctx.close();
        }

        @Override
        public void send(Sv2Message message) {
            if (channel != null && channel.isActive()) {
                channel.writeAndFlush(message, channel.voidPromise());
            }
        }

        @Override
        public void close(String reason) {
            log.warn("closing the template provider connection: {}", reason);
            if (channel != null) {
                channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void execute(Runnable task) {
            loop.execute(task);
        }
    }
}
