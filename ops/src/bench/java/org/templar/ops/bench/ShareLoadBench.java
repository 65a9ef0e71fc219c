package org.templar.ops.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.crypto.ECKey;
import org.templar.ops.NotifiedJob;
import org.templar.ops.PoolHarness;
import org.templar.ops.PoolRuntime;
import org.templar.client.proxy.PoolUpstream;
import org.templar.client.proxy.ProxyConfig;
import org.templar.client.proxy.TemplarProxy;
import org.templar.pool.core.VardiffSettings;
import org.templar.pool.node.NodeEndpoint;
import org.templar.regtest.RegtestNode;
import java.time.Duration;
import org.templar.share.Hex;
import org.templar.share.ShareCheck;
import org.templar.share.ShareHasher;

/**
 * Load generator for the whole share path: a real pool on the embedded node with its H2 ledger, N
 * Stratum V1 connections each keeping W shares in flight. The share difficulty is set below the
 * regtest network's, so every share the clients find is valid; they skip the ones that would solve
 * a block, so what is measured is the share path (parse, hash, checks, durable group commit,
 * answer), not block submission. The clients hash too (to avoid those blocks) on the same two
 * cores, so the figure is a floor. With {@code --proxy} the miners connect to {@code templar proxy}
 * (pool mode: its own template declared to the pool's JDS, every share forwarded upstream) in front
 * of the same pool, so the latency printed is what a miner behind the proxy sees, while the proxy
 * forwards each share to the pool. Not a test: `./templar bench shares [--connections N]
 * [--window W] [--seconds S] [--proxy]`.
 */
public final class ShareLoadBench {
    private static final AtomicLong ACCEPTED = new AtomicLong();
    private static final AtomicLong REJECTED = new AtomicLong();
    private static final ConcurrentHistogram LATENCY = new ConcurrentHistogram(60_000_000_000L, 3);
    /** With --proxy: from the proxy accepting a share to the pool's SubmitShares.Success for it. */
    private static final ConcurrentHistogram UPSTREAM = new ConcurrentHistogram(60_000_000_000L, 3);
    private static volatile boolean measuring;
    private static volatile boolean running = true;

    public static void main(String[] args) throws Exception {
        int connections = intArg(args, "--connections", 50);
        int window = intArg(args, "--window", 16);
        int seconds = intArg(args, "--seconds", 20);
        boolean viaProxy = java.util.Arrays.asList(args).contains("--proxy");
        // below regtest's network difficulty (~4.7e-10), fixed: every hash is a share, vardiff cannot move it
        Map<String, String> o = new java.util.HashMap<>(
                Map.of("vardiff.minimum", "1e-12", "vardiff.initial", "1e-12", "vardiff.maximum", "1e-12"));
        String address = new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString();
        if (viaProxy) {
            // the pool's SV2 and JDS listeners for the proxy; its channel's target is the same fixed
            // difficulty, so every share the proxy accepts is forwarded to the pool
            o.put("sv2.listen", "127.0.0.1:0");
            o.put("jds.listen", "127.0.0.1:0");
            o.put("pool.payout_address", address);
        }
        EventLoopGroup clients = new NioEventLoopGroup(1);
        // the pool exactly as the end-to-end tests start it (embedded node, H2 with durable group commit)
        try (PoolHarness harness = PoolHarness.start(Files.createTempDirectory("templar-shares"), o)) {
            PoolRuntime pool = harness.pool();
            Bootstrap b = new Bootstrap().group(clients).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LineBasedFrameDecoder(64 * 1024), new Submitter(address, window));
                        }
                    });
            java.net.InetSocketAddress miners = pool.sv1Address();
            TemplarProxy proxy = null;
            if (viaProxy) {
                proxy = startProxy(pool, address);
                miners = proxy.sv1Address();
                proxy.upstream().orElseThrow().onShareAnswered(nanos -> {
                    if (measuring) {
                        UPSTREAM.recordValue(nanos);
                    }
                });
            }
            for (int i = 0; i < connections; i++) {
                b.connect(miners).sync();
            }
            Thread.sleep(3000); // warm-up
            ACCEPTED.set(0);
            REJECTED.set(0);
            LATENCY.reset();
            UPSTREAM.reset();
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
            if (proxy != null) {
                System.out.printf("proxy_to_pool_answer_latency_p50 %.2f ms (%d forwarded shares answered)%n",
                        UPSTREAM.getValueAtPercentile(50) / 1e6, UPSTREAM.getTotalCount());
                System.out.printf("proxy_to_pool_answer_latency_p99 %.2f ms%n", UPSTREAM.getValueAtPercentile(99) / 1e6);
                System.out.printf("through templar proxy (%s): its own ledger recorded %d shares; the pool's ledger"
                        + " (forwarded shares) %d%n", proxy.mode(), proxy.ledger().shareCount(),
                        pool.ledger().shareCount());
            }
            System.out.printf("load_average_at_end %s%n",
                    Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
        } finally {
            clients.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        System.exit(0);
    }

    /**
     * {@code templar proxy} in front of the pool, as a miner runs it: templates from a node (here the
     * pool's own embedded node, so both are on one chain), declared to the pool's JDS, shares
     * forwarded on an extended channel; its SV1 difficulty fixed like the pool's.
     */
    private static TemplarProxy startProxy(PoolRuntime pool, String address) throws Exception {
        RegtestNode node = pool.embeddedNode().orElseThrow();
        ProxyConfig base = ProxyConfig.of(new NodeEndpoint(node.rpcUri(), node.rpcUser(), node.rpcPassword(),
                java.util.Optional.ofNullable(node.zmqEndpoint())), BitcoinNetwork.REGTEST, address,
                new java.net.InetSocketAddress("127.0.0.1", 0), Files.createTempDirectory("templar-shares-proxy"));
        VardiffSettings fixed = new VardiffSettings(1e-12, 1e-12, 1e-12, Duration.ofSeconds(10), Duration.ofSeconds(30));
        ProxyConfig cfg = new ProxyConfig(base.node(), base.network(), base.soloAddress(), base.sv1Listen(),
                base.dataDir(), base.policy(), fixed, base.tag(), base.nodeTimeout(), base.pollInterval(),
                base.refreshInterval(), java.util.List.of(new PoolUpstream.Config(pool.jdsAddress(),
                        pool.sv2Address(), pool.authority().orElseThrow().publicKey(), "bench.proxy",
                        Duration.ofSeconds(5), Duration.ofSeconds(1))), java.util.Optional.empty(), java.util.Optional.empty());
        TemplarProxy proxy = TemplarProxy.start(cfg);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (proxy.mode() != PoolUpstream.Mode.POOL) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the proxy never mined for the pool: " + proxy.mode());
            }
            Thread.sleep(100);
        }
        System.out.printf("templar proxy mines for the pool on its declared template%n");
        return proxy;
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
        private static final ObjectMapper JSON = new ObjectMapper();
        private final String user;
        private final int window;
        private final ArrayDeque<Long> sentAt = new ArrayDeque<>();
        private final java.util.Map<Integer, Long> inFlight = new java.util.HashMap<>();
        private byte[] extranonce1;
        private NotifiedJob job;
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
            JsonNode m = JSON.readTree(line.toString(CharsetUtil.UTF_8));
            if (m.hasNonNull("method")) {
                if (m.get("method").asText().equals("mining.notify")) {
                    job = new NotifiedJob(m, extranonce1, 4); // parsed as the end-to-end tests' miners do
                    fill(ctx);
                }
                return;
            }
            int id = m.path("id").asInt();
            if (id == 1) {
                extranonce1 = Hex.decode(m.get("result").get(1).asText());
                return;
            }
            Long t = inFlight.remove(id);
            if (t != null) {
                if (measuring) {
                    LATENCY.recordValue(System.nanoTime() - t);
                    (m.hasNonNull("error") ? REJECTED : ACCEPTED).incrementAndGet();
                }
                fill(ctx);
            }
        }

        private void fill(ChannelHandlerContext ctx) {
            if (!running || job == null) {
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
                    c = HASHER.check(job.work, extranonce1, en2, job.ntime, nonce, job.version);
                } while (c.meets(job.work.networkTarget()));
                int id = nextId++;
                inFlight.put(id, System.nanoTime());
                out.append("{\"id\":").append(id).append(",\"method\":\"mining.submit\",\"params\":[\"").append(user)
                        .append("\",\"").append(job.jobId).append("\",\"").append(Hex.encode(en2)).append("\",\"")
                        .append(String.format("%08x", job.ntime)).append("\",\"").append(String.format("%08x", nonce))
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
