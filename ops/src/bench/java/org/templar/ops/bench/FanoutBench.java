package org.templar.ops.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.CharsetUtil;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.crypto.ECKey;
import org.templar.ops.PoolHarness;
import org.templar.ops.PoolRuntime;
import org.templar.regtest.RegtestNode;

/**
 * Load generator for the new-block path (DESIGN: "node notification -> new prevhash + job -> fan-out
 * to every session. This path is measured."): a real pool on the embedded node, N real Stratum V1
 * connections on loopback, then R new blocks made on the node; for each block it measures, per
 * connection, the time from the block being made to that connection receiving its clean
 * mining.notify. Not a test: `./templar bench fanout [--connections N] [--rounds R] [--distinct]`.
 */
public final class FanoutBench {
    private static volatile long roundStart;
    private static volatile int round;
    private static final ConcurrentHistogram PER_SESSION = new ConcurrentHistogram(60_000_000_000L, 3);
    private static final Histogram LAST_SESSION = new Histogram(60_000_000_000L, 3);

    public static void main(String[] args) throws Exception {
        int connections = intArg(args, "--connections", 2000);
        int rounds = intArg(args, "--rounds", 10);
        // solo pools build one coinbase per payout address: --distinct makes every connection pay its own
        boolean distinct = java.util.Arrays.asList(args).contains("--distinct");
        String address = new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString();
        EventLoopGroup clients = new NioEventLoopGroup(1);
        // the pool exactly as the end-to-end tests start it (embedded node, H2, SV1 on loopback)
        try (PoolHarness harness = PoolHarness.start(Files.createTempDirectory("templar-fanout"), Map.of())) {
            PoolRuntime pool = harness.pool();
            InetSocketAddress sv1 = pool.sv1Address();
            AtomicInteger notified = new AtomicInteger();
            Bootstrap b = new Bootstrap().group(clients).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            String user = distinct
                                    ? new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString() : address;
                            ch.pipeline().addLast(new LineBasedFrameDecoder(64 * 1024), new Watcher(user, notified));
                        }
                    });
            List<Channel> channels = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                channels.add(b.connect(sv1).sync().channel());
            }
            waitFor(notified, connections, "first job on every connection");
            RegtestNode node = pool.embeddedNode().orElseThrow();
            for (int r = 1; r <= rounds; r++) {
                notified.set(0);
                round = r;
                roundStart = System.nanoTime();
                node.generateToAddress(1, address);
                waitFor(notified, connections, "round " + r);
                LAST_SESSION.recordValue(System.nanoTime() - roundStart);
                Thread.sleep(200);
            }
            for (Channel c : channels) {
                c.close();
            }
            System.out.printf("fanout_connections %d (%s payout addresses)%n", connections, distinct ? "distinct" : "one shared");
            System.out.printf("fanout_rounds %d%n", rounds);
            print("fanout_per_session", PER_SESSION);
            print("fanout_all_sessions", LAST_SESSION);
        } finally {
            clients.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        System.exit(0);
    }

    private static void print(String name, Histogram h) {
        System.out.printf("%s_p50 %.2f ms%n", name, h.getValueAtPercentile(50) / 1e6);
        System.out.printf("%s_p99 %.2f ms%n", name, h.getValueAtPercentile(99) / 1e6);
        System.out.printf("%s_max %.2f ms%n", name, h.getMaxValue() / 1e6);
    }

    private static void waitFor(AtomicInteger counter, int n, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (counter.get() < n) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("timed out waiting for " + what + ": " + counter.get() + "/" + n);
            }
            Thread.sleep(1);
        }
    }

    private static int intArg(String[] args, String name, int dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return dflt;
    }

    /** One miner connection: subscribes, authorizes, and timestamps each clean job. */
    private static final class Watcher extends SimpleChannelInboundHandler<ByteBuf> {
        private final String address;
        private final AtomicInteger notified;
        private int seenRound = -1;

        Watcher(String address, AtomicInteger notified) {
            this.address = address;
            this.notified = notified;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(ctx.alloc().buffer().writeBytes((
                    "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"fanout\"]}\n"
                    + "{\"id\":2,\"method\":\"mining.authorize\",\"params\":[\"" + address + "\",\"x\"]}\n")
                    .getBytes(CharsetUtil.US_ASCII)));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
            // cheap match: the clean notify ends its params with true
            String s = line.toString(CharsetUtil.US_ASCII);
            if (s.contains("\"mining.notify\"") && s.endsWith("true]}")) {
                int r = round;
                if (r != seenRound) {
                    seenRound = r;
                    if (r > 0) {
                        PER_SESSION.recordValue(System.nanoTime() - roundStart);
                    }
                    notified.incrementAndGet();
                }
            }
        }
    }
}
