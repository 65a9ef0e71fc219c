package org.templar.ops.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.crypto.ECKey;
import org.templar.ops.PoolRuntime;
import org.templar.ops.PrometheusMetrics;
import org.templar.ops.config.ConfigLoader;
import org.templar.pool.sv1.codec.Sv1JsonCodec;
import org.templar.pool.sv1.codec.Sv1Message;
import org.templar.pool.sv1.codec.Sv1Request;
import org.templar.pool.sv1.codec.Sv1ServerCall;
import org.templar.share.Hex;
import org.templar.share.JobWork;
import org.templar.share.MerkleBranch;
import org.templar.share.ShareCheck;
import org.templar.share.ShareHasher;

/**
 * Load generator for the whole share path: a real pool on the embedded node with its H2 ledger, N
 * Stratum V1 connections each keeping W shares in flight. The share difficulty is set below the
 * regtest network's, so every share the clients find is valid; they skip the ones that would solve
 * a block, so what is measured is the share path (parse, hash, checks, durable group commit,
 * answer), not block submission. The clients hash too (to avoid those blocks) on the same two
 * cores, so the figure is a floor. Not a test: `./templar bench shares [--connections N]
 * [--window W] [--seconds S]`.
 */
public final class ShareLoadBench {
    private static final AtomicLong ACCEPTED = new AtomicLong();
    private static final AtomicLong REJECTED = new AtomicLong();
    private static final ConcurrentHistogram LATENCY = new ConcurrentHistogram(60_000_000_000L, 3);
    private static volatile boolean measuring;
    private static volatile boolean running = true;

    public static void main(String[] args) throws Exception {
        int connections = intArg(args, "--connections", 50);
        int window = intArg(args, "--window", 16);
        int seconds = intArg(args, "--seconds", 20);
        Path dir = Files.createTempDirectory("templar-shares");
        Map<String, String> o = new LinkedHashMap<>();
        o.put("data_dir", dir.toString());
        o.put("sv1.listen", "127.0.0.1:0");
        o.put("sv2.listen", "off");
        o.put("metrics.listen", "off");
        o.put("admin.listen", "off");
        o.put("embedded_node.rpc_port", "0");
        o.put("embedded_node.zmq_port", "0");
        // below regtest's network difficulty (~4.7e-10), fixed: every hash is a share, vardiff cannot move it
        o.put("vardiff.minimum", "1e-12");
        o.put("vardiff.initial", "1e-12");
        o.put("vardiff.maximum", "1e-12");
        String address = new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString();
        EventLoopGroup clients = new NioEventLoopGroup(1);
        PrometheusMetrics metrics = new PrometheusMetrics(new io.prometheus.client.CollectorRegistry());
        try (PoolRuntime pool = PoolRuntime.start(ConfigLoader.load(null, o), metrics, metrics)) {
            Bootstrap b = new Bootstrap().group(clients).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LineBasedFrameDecoder(64 * 1024), new Submitter(address, window));
                        }
                    });
            for (int i = 0; i < connections; i++) {
                b.connect(pool.sv1Address()).sync();
            }
            Thread.sleep(3000); // warm-up
            ACCEPTED.set(0);
            REJECTED.set(0);
            LATENCY.reset();
            measuring = true;
            long start = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long accepted = ACCEPTED.get();
            long rejected = REJECTED.get();
            double elapsed = (System.nanoTime() - start) / 1e9;
            measuring = false;
            running = false;
            System.out.printf("shares_connections %d window %d%n", connections, window);
            System.out.printf("shares_accepted_per_second %.0f shares/s (%d in %.1f s, %d rejected)%n",
                    accepted / elapsed, accepted, elapsed, rejected);
            System.out.printf("share_answer_latency_p50 %.2f ms%n", LATENCY.getValueAtPercentile(50) / 1e6);
            System.out.printf("share_answer_latency_p99 %.2f ms%n", LATENCY.getValueAtPercentile(99) / 1e6);
            System.out.printf("ledger_shares_recorded %d%n", pool.ledger().shareCount());
        } finally {
            clients.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        System.exit(0);
    }

    private static int intArg(String[] args, String name, int dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return dflt;
    }

    /** One miner connection keeping {@code window} shares in flight on the newest job. */
    private static final class Submitter extends SimpleChannelInboundHandler<ByteBuf> {
        private static final ShareHasher HASHER = new ShareHasher(); // the single client event loop's
        private final String user;
        private final int window;
        private final ArrayDeque<Long> sentAt = new ArrayDeque<>();
        private final java.util.Map<Integer, Long> inFlight = new java.util.HashMap<>();
        private byte[] extranonce1;
        private String jobId;
        private JobWork work;
        private int ntime;
        private int version;
        private int nonce;
        private int nextId = 10;
        private int extranonce2;

        Submitter(String user, int window) {
            this.user = user;
            this.window = window;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            write(ctx, "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"load\"]}\n"
                    + "{\"id\":2,\"method\":\"mining.authorize\",\"params\":[\"" + user + "\",\"x\"]}\n");
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) throws Exception {
            Sv1Message m = Sv1JsonCodec.decode(line.toString(CharsetUtil.UTF_8));
            if (m instanceof org.templar.pool.sv1.codec.Sv1Response r) {
                int id = r.id().asInt();
                if (id == 1) {
                    extranonce1 = Hex.decode(r.result().get(1).asText());
                    return;
                }
                Long t = inFlight.remove(id);
                if (t != null) {
                    if (measuring) {
                        LATENCY.recordValue(System.nanoTime() - t);
                        (r.isError() ? REJECTED : ACCEPTED).incrementAndGet();
                    }
                    fill(ctx);
                }
            } else if (m instanceof Sv1Request req && req.method().equals("mining.notify")) {
                Sv1ServerCall.Notify n = (Sv1ServerCall.Notify) Sv1ServerCall.parse(req);
                jobId = n.jobId();
                ntime = n.ntime();
                version = n.version();
                work = JobWork.of(n.version(), n.prevHash(), n.nbits(), n.coinb1(), n.coinb2(),
                        MerkleBranch.of(n.merkleBranch()), extranonce1.length + 4);
                fill(ctx);
            }
        }

        private void fill(ChannelHandlerContext ctx) {
            if (!running || work == null) {
                return;
            }
            StringBuilder out = new StringBuilder();
            while (inFlight.size() < window) {
                byte[] en2 = {(byte) (extranonce2 >>> 24), (byte) (extranonce2 >>> 16), (byte) (extranonce2 >>> 8),
                        (byte) extranonce2};
                ShareCheck c;
                do { // skip the (half of all) hashes that would solve a regtest block
                    if (++nonce == 0) {
                        extranonce2++;
                    }
                    c = HASHER.check(work, extranonce1, en2, ntime, nonce, version);
                } while (c.meets(work.networkTarget()));
                int id = nextId++;
                inFlight.put(id, System.nanoTime());
                out.append("{\"id\":").append(id).append(",\"method\":\"mining.submit\",\"params\":[\"").append(user)
                        .append("\",\"").append(jobId).append("\",\"").append(Hex.encode(en2)).append("\",\"")
                        .append(String.format("%08x", ntime)).append("\",\"").append(String.format("%08x", nonce))
                        .append("\"]}\n");
            }
            if (out.length() > 0) {
                write(ctx, out.toString());
            }
        }

        private static void write(ChannelHandlerContext ctx, String s) {
            ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(s.getBytes(CharsetUtil.UTF_8)));
        }
    }
}
