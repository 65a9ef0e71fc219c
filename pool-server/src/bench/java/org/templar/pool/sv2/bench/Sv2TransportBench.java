package org.templar.pool.sv2.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2FrameDecoder;
import org.templar.pool.sv2.codec.Sv2FrameEncoder;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2MessageHandler;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import org.templar.pool.sv2.noise.AuthorityPublicKey;
import org.templar.pool.sv2.noise.ServerIdentity;
import org.templar.pool.sv2.transport.NoiseHandler;
import org.templar.pool.sv2.transport.NoiseHandshakeComplete;
import org.templar.pool.sv2.transport.NoiseTransportConfig;

/**
 * Benchmark (not a test) of the Stratum V2 transport over loopback: Noise NX handshakes per second, and
 * encrypted share submissions per second (SubmitSharesStandard out, SubmitShares.Success back, each frame
 * through the real NoiseHandler, frame codec and message codec on both sides).
 *
 * <p>The server is a minimal SV2 responder on the project's real transport stack (Noise responder with a
 * certificate signed by a fresh authority key, SV2 framing, message records): it answers SetupConnection,
 * opens standard channels and acknowledges every submit without validating it, so the figures are the
 * transport's and the codec's, not share validation's or the ledger's. One event loop thread for the server
 * and one for the clients, so the numbers are comparable across machines with few cores.
 *
 * <pre>
 *   java -cp ... org.templar.pool.sv2.bench.Sv2TransportBench [--seconds 8] [--concurrency 4]
 *        [--connections 4] [--window 64]
 * </pre>
 * Prints one line per figure: {@code <name> <value> <unit> <details>}.
 */
public final class Sv2TransportBench {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration WARMUP = Duration.ofSeconds(2);

    private final EventLoopGroup serverLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("bench-server", true));
    private final EventLoopGroup clientLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("bench-client", true));
    private final AuthorityKeyPair authority = AuthorityKeyPair.generate(RANDOM);
    private final ServerIdentity identity =
            ServerIdentity.issue(authority, Instant.now().minusSeconds(60), Duration.ofHours(1), RANDOM);
    private final NoiseTransportConfig noise = NoiseTransportConfig.defaults();
    private Channel server;
    private InetSocketAddress address;

    public static void main(String[] args) throws Exception {
        int seconds = intArg(args, "--seconds", 8, 1, 25);
        int concurrency = intArg(args, "--concurrency", 4, 1, 256);
        int connections = intArg(args, "--connections", 4, 1, 256);
        int window = intArg(args, "--window", 64, 1, 4096);
        Sv2TransportBench bench = new Sv2TransportBench();
        try {
            bench.start();
            Duration measure = Duration.ofSeconds(seconds);
            bench.handshakes(concurrency, WARMUP, false);
            double[] hs = bench.handshakes(concurrency, measure, true);
            System.out.printf(Locale.ROOT, "sv2_handshakes_per_second %.1f handshakes/s concurrency=%d"
                    + " mean_latency_ms=%.2f (Noise NX, secp256k1 ElligatorSwift, certificate check)%n",
                    hs[0], concurrency, hs[1]);
            double submits = bench.submits(connections, window, WARMUP.plus(measure), WARMUP);
            System.out.printf(Locale.ROOT, "sv2_encrypted_submits_per_second %.0f submits/s connections=%d window=%d"
                    + " (SubmitSharesStandard + SubmitShares.Success, ChaCha20-Poly1305 both ways)%n",
                    submits, connections, window);
        } finally {
            bench.close();
        }
    }

    private void start() throws InterruptedException {
        server = new ServerBootstrap().group(serverLoop).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(NoiseHandler.server(identity, noise), new Sv2FrameDecoder(),
                                new Sv2FrameEncoder(), Sv2MessageHandler.INSTANCE, new Responder());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        address = (InetSocketAddress) server.localAddress();
    }

    private void close() {
        if (server != null) {
            server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private Bootstrap client(ChannelInitializer<SocketChannel> init) {
        return new Bootstrap().group(clientLoop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true).handler(init);
    }

    /**
     * Keeps {@code concurrency} handshakes in flight for {@code duration}: connect, complete the handshake
     * (the client verifies the certificate against the authority key), close, start the next.
     *
     * @return handshakes per second and mean handshake latency in ms
     */
    private double[] handshakes(int concurrency, Duration duration, boolean report) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        AtomicLong latencyNanos = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong inFlight = new AtomicLong();
        AuthorityPublicKey pinned = authority.publicKey();
        long start = System.nanoTime();
        Runnable[] launch = new Runnable[1];
        launch[0] = () -> {
            if (!running.get()) {
                return;
            }
            inFlight.incrementAndGet();
            long t0 = System.nanoTime();
            ChannelFuture f = client(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(NoiseHandler.client(pinned, noise), new SimpleChannelInboundHandler<Object>() {
                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt instanceof NoiseHandshakeComplete) {
                                done.incrementAndGet();
                                latencyNanos.addAndGet(System.nanoTime() - t0);
                                ctx.close();
                            }
                        }

                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                        }
                    });
                }
            }).connect(address);
            f.channel().closeFuture().addListener(x -> {
                inFlight.decrementAndGet();
                launch[0].run();
            });
        };
        for (int i = 0; i < concurrency; i++) {
            launch[0].run();
        }
        Thread.sleep(duration.toMillis());
        running.set(false);
        long elapsed = System.nanoTime() - start;
        long n = done.get();
        long lat = latencyNanos.get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return new double[] {n / (elapsed / 1e9), n == 0 ? 0 : lat / 1e6 / n};
    }

    /**
     * Opens {@code connections} standard channels, then keeps {@code window} submits outstanding on each; counts
     * acknowledgements between the end of the warmup and the end of the run.
     */
    private double submits(int connections, int window, Duration total, Duration warmup) throws InterruptedException {
        AtomicLong acked = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        Channel[] channels = new Channel[connections];
        AuthorityPublicKey pinned = authority.publicKey();
        for (int i = 0; i < connections; i++) {
            channels[i] = client(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(NoiseHandler.client(pinned, noise), new Sv2FrameDecoder(),
                            new Sv2FrameEncoder(), Sv2MessageHandler.INSTANCE, new Submitter(window, acked, running));
                }
            }).connect(address).sync().channel();
        }
        Thread.sleep(warmup.toMillis());
        long a0 = acked.get();
        long t0 = System.nanoTime();
        Thread.sleep(total.minus(warmup).toMillis());
        long a1 = acked.get();
        long t1 = System.nanoTime();
        running.set(false);
        for (Channel c : channels) {
            c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        return (a1 - a0) / ((t1 - t0) / 1e9);
    }

    /** Client side of the submit benchmark: setup, open a standard channel, then a sliding window of submits. */
    private static final class Submitter extends SimpleChannelInboundHandler<Sv2Message> {
        private final int window;
        private final AtomicLong acked;
        private final AtomicBoolean running;
        private long channelId;
        private long sequence;
        private int nonce;

        Submitter(int window, AtomicLong acked, AtomicBoolean running) {
            this.window = window;
            this.acked = acked;
            this.running = running;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof NoiseHandshakeComplete) {
                ctx.writeAndFlush(new Sv2Common.SetupConnection(0, 2, 2, Sv2Common.SetupConnection.REQUIRES_STANDARD_JOBS,
                        Str0255.of("127.0.0.1"), 0, Str0255.of("templar"), Str0255.of("bench"), Str0255.of("bench"),
                        Str0255.EMPTY));
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Sv2Message m) {
            if (m instanceof Sv2Common.SetupConnectionSuccess) {
                ctx.writeAndFlush(new Sv2Mining.OpenStandardMiningChannel(1, Str0255.of("bench.worker"), 1e12f,
                        U256.ZERO));
            } else if (m instanceof Sv2Mining.OpenStandardMiningChannelSuccess s) {
                channelId = s.channelId();
                for (int i = 0; i < window; i++) {
                    ctx.write(nextSubmit());
                }
                ctx.flush();
            } else if (m instanceof Sv2Mining.SubmitSharesSuccess s) {
                acked.addAndGet(s.newSubmitsAcceptedCount());
                if (running.get()) {
                    ctx.writeAndFlush(nextSubmit());
                }
            }
        }

        private Sv2Mining.SubmitSharesStandard nextSubmit() {
            long seq = sequence++ & 0xffff_ffffL;
            return new Sv2Mining.SubmitSharesStandard(channelId, seq, 1, nonce++ & 0xffff_ffffL, 1_700_000_000L,
                    0x20000000L);
        }
    }

    /** The server side: a minimal mining-protocol responder on the real transport stack. */
    private static final class Responder extends SimpleChannelInboundHandler<Sv2Message> {
        private static final U256 TARGET = U256.of(filled((byte) 0xff));
        private long nextChannel = 1;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Sv2Message m) {
            if (m instanceof Sv2Common.SetupConnection) {
                ctx.writeAndFlush(new Sv2Common.SetupConnectionSuccess(2, 0));
            } else if (m instanceof Sv2Mining.OpenStandardMiningChannel o) {
                ctx.writeAndFlush(new Sv2Mining.OpenStandardMiningChannelSuccess(o.requestId(), nextChannel++, TARGET,
                        Bytes.of(new byte[8]), 0));
            } else if (m instanceof Sv2Mining.SubmitSharesStandard s) {
                // One acknowledgement per submit: the worst case for the transport (a pool may batch).
                ctx.writeAndFlush(new Sv2Mining.SubmitSharesSuccess(s.channelId(), s.sequenceNumber(), 1, 1));
            }
        }

        private static byte[] filled(byte v) {
            byte[] b = new byte[32];
            java.util.Arrays.fill(b, v);
            return b;
        }
    }

    private static int intArg(String[] args, String name, int def, int min, int max) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                int v = Integer.parseInt(args[i + 1]);
                if (v < min || v > max) {
                    throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + v);
                }
                return v;
            }
        }
        return def;
    }
}
