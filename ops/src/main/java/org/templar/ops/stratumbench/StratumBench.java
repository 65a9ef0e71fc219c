package org.templar.ops.stratumbench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.CharsetUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.crypto.ECKey;
import org.templar.share.Difficulty;
import org.templar.share.Hex;
import org.templar.share.ShareCheck;
import org.templar.share.ShareHasher;
import org.templar.share.Target;

/**
 * `templar bench stratum`: a Stratum V1 load generator for any pool on loopback (Templar, ckpool, ...).
 * It speaks only the protocol: mining.configure (version rolling), subscribe, authorize, submit, and
 * reads what every pool sends (set_difficulty, notify). The pool should run in its own process: each
 * connection costs a descriptor on both ends, and {@code --server-pid} lets the bench read the pool's
 * RSS and CPU from /proc, whatever the pool is written in.
 *
 * <p>Modes: connect (handshakes/s and handshake time), notify (time from a new block to each
 * connection's clean mining.notify, making blocks through the node's RPC when given one, else the
 * spread of clean notifies as they come), submit (answers/s and answer latency), storm (with the
 * connections held, a flood of new ones: how the pool refuses them at its cap, and at what CPU).
 */
public final class StratumBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bounded waits: a pool that stops answering ends the bench with a reason, not a hang. */
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** First submit id; 1..3 are the handshake. */
    private static final int FIRST_SUBMIT_ID = 10;

    private final StratumBenchOptions o;
    private final PrintStream out;
    private final String user;
    private final String blockAddress;
    private final ServerProcess server;
    private final Semaphore opening;
    private final List<Miner> miners = new ArrayList<>();
    private final Latency handshake = new Latency();
    private final Latency notifyLatency = new Latency();
    private final Latency lastNotify = new Latency();
    private final Latency answers = new Latency();
    private final AtomicInteger handshaken = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger authorizeRefused = new AtomicInteger();
    private final AtomicInteger notifiedThisRound = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong validSent = new AtomicLong();
    private final Map<String, Long> firstCleanArrival = new ConcurrentHashMap<>();
    private volatile long roundStart;
    private volatile int round;
    private volatile boolean measuring;
    private volatile boolean submitting;
    private volatile String lastFailure = "";

    /** What one run measured (the figures it printed), for callers and tests. */
    public record Result(int connections, int handshaken, int failed, double handshakesPerSecond,
            double handshakeP50Millis, double handshakeP99Millis, double answersPerSecond, long answered,
            double answerP99Millis, double notifyP99Millis, long rssPerConnectionBytes, Storm storm) {}

    /**
     * What storm mode saw: connection attempts made, and how they ended: refused (closed or reset by the
     * pool before it answered anything), admitted (the pool answered the handshake; the bench then
     * closed it), failed to connect at all (backlog full, timeout), or not yet decided when the bench
     * stopped waiting.
     */
    public record Storm(long attempts, long refused, long admitted, long connectFailed, long undecided,
            double serverCpuPercent, long serverLogBytes) {
        static final Storm NONE = new Storm(0, 0, 0, 0, 0, Double.NaN, -1);
    }

    StratumBench(StratumBenchOptions options, PrintStream out) {
        this.o = options;
        this.out = out;
        this.blockAddress = new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString();
        this.user = options.user() != null ? options.user() : blockAddress;
        this.server = options.serverPid().map(ServerProcess::new).orElse(null);
        this.opening = new Semaphore(options.concurrency());
    }

    /** Entry point of `templar bench stratum`; returns the exit code. */
    public static int main(String[] args, PrintStream out, PrintStream err) {
        StratumBenchOptions options;
        try {
            options = StratumBenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("templar bench stratum: " + e.getMessage());
            err.println(StratumBenchOptions.USAGE);
            return 2;
        }
        try {
            Result r = run(options, out);
            return r.failed() == 0 && r.handshaken() == r.connections() ? 0 : 1;
        } catch (IllegalStateException e) {
            err.println("templar bench stratum: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    public static Result run(StratumBenchOptions options, PrintStream out) throws InterruptedException {
        return new StratumBench(options, out).run();
    }

    private Result run() throws InterruptedException {
        long limit = ServerProcess.ownFileLimit();
        if (limit > 0 && o.connections() + 64L > limit) {
            throw new IllegalStateException("this process may hold " + limit + " descriptors and " + o.connections()
                    + " connections need about " + (o.connections() + 64) + ": raise `ulimit -n` or open fewer");
        }
        EventLoopGroup loops = new NioEventLoopGroup(o.clientThreads());
        try {
            return measure(loops);
        } finally {
            for (Miner m : miners) {
                if (m.channel != null) {
                    m.channel.close();
                }
            }
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private Result measure(EventLoopGroup loops) throws InterruptedException {
        out.printf(Locale.ROOT, "stratum_pool %s:%d mode %s connections %d%n", o.pool().getHostString(),
                o.pool().getPort(), o.mode(), o.connections());
        long rssBefore = rss();
        long cpuBefore = cpu();
        Bootstrap b = new Bootstrap().group(loops).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new LineBasedFrameDecoder(256 * 1024), new Miner.Handler());
                    }
                });
        long start = System.nanoTime();
        for (int i = 0; i < o.connections(); i++) {
            if (!opening.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no handshake finished in 60 s (" + handshaken.get() + " done, "
                        + failed.get() + " failed" + failureNote() + ")");
            }
            Miner m = new Miner(this, System.nanoTime());
            miners.add(m);
            // the miner rides on the channel from its registration on, before channelActive can fire
            ChannelFuture f = b.clone().attr(Miner.KEY, m).connect(o.pool());
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    m.fail("connect: " + done.cause());
                }
            });
        }
        awaitCount(() -> handshaken.get() + failed.get(), o.connections(), "handshakes");
        long elapsed = System.nanoTime() - start;
        long cpuConnect = cpu();
        double perSecond = handshaken.get() / (elapsed / 1e9);
        out.printf(Locale.ROOT, "stratum_handshakes %d ok, %d failed%s, %d authorize refused%n", handshaken.get(),
                failed.get(), failureNote(), authorizeRefused.get());
        out.printf(Locale.ROOT, "stratum_handshakes_per_second %.0f /s (%d in %.2f s, %d at once)%n", perSecond,
                handshaken.get(), elapsed / 1e9, o.concurrency());
        out.print(handshake.report("stratum_handshake_time"));
        if (server != null) {
            // CPU per handshake holds still when other work shares the machine; handshakes/s does not
            out.printf(Locale.ROOT, "server_cpu_during_connect %.0f %% of one core (%.0f us per handshake)%n",
                    100.0 * (cpuConnect - cpuBefore) / elapsed, (cpuConnect - cpuBefore) / 1e3 / Math.max(1, handshaken.get()));
        }
        long rssPer = -1;
        if (server != null) {
            Thread.sleep(2000); // let the pool finish what it does after the handshakes (first jobs, lazy buffers)
            long rssAfter = rss();
            rssPer = (rssAfter - rssBefore) / Math.max(1, handshaken.get());
            out.printf(Locale.ROOT, "server_rss_before %.1f MiB%n", rssBefore / 1048576.0);
            out.printf(Locale.ROOT, "server_rss_with_connections %.1f MiB (%d connections, %s descriptors)%n",
                    rssAfter / 1048576.0, handshaken.get(), server.openFiles().stream().mapToObj(Long::toString)
                            .findFirst().orElse("?"));
            out.printf(Locale.ROOT, "server_rss_per_connection %.2f KB%n", rssPer / 1000.0);
        }
        if (o.holdSeconds() > 0) {
            out.printf(Locale.ROOT, "stratum_holding %d connections for %d s%n", handshaken.get(), o.holdSeconds());
            out.flush();
            Thread.sleep(o.holdSeconds() * 1000L);
        }
        double answersPerSecond = Double.NaN;
        long answered = 0;
        Storm storm = Storm.NONE;
        switch (o.mode()) {
            case "notify" -> {
                if (o.nodeRpc().isPresent()) {
                    notifyRounds();
                } else {
                    watchCleanNotifies();
                }
            }
            case "submit" -> {
                long[] r = submit(loops);
                answered = r[0];
                answersPerSecond = r[0] / (r[1] / 1e9);
            }
            case "storm" -> storm = storm(b);
            default -> { }
        }
        return new Result(o.connections(), handshaken.get(), failed.get(), perSecond, handshake.millisAt(50),
                handshake.millisAt(99), answersPerSecond, answered, answers.millisAt(99), notifyLatency.millisAt(99),
                rssPer, storm);
    }

    // ------------------------------------------------------------------ storm

    /**
     * A reconnect storm against the held connections: for {@code --seconds}, new connections with at
     * most {@code --concurrency} undecided at once, each sending the same handshake as a miner. Run
     * against a pool whose cap equals {@code --connections}, it shows what the cap costs the pool: the
     * share of refusals, the pool's CPU while it refuses, and (with {@code --server-log}) how much it
     * wrote to its log. A pool that answers a storm connection is counted as admitting it.
     */
    private Storm storm(Bootstrap held) throws InterruptedException {
        AtomicLong refused = new AtomicLong();
        AtomicLong admitted = new AtomicLong();
        AtomicLong connectFailed = new AtomicLong();
        java.util.concurrent.atomic.AtomicReference<String> firstConnectFailure = new java.util.concurrent.atomic.AtomicReference<>();
        Semaphore undecided = new Semaphore(o.concurrency());
        Bootstrap knock = held.clone().option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Knock k = new Knock(user, o.password());
                        ch.attr(Knock.KEY).set(k); // the pipeline is emptied on close; the attribute stays
                        ch.pipeline().addLast(new LineBasedFrameDecoder(256 * 1024), k);
                    }
                });
        long logBefore = o.serverLog().map(StratumBench::size).orElse(-1L);
        long cpu0 = cpu();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(o.seconds());
        long attempts = 0;
        while (System.nanoTime() < end) {
            if (!undecided.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                continue;
            }
            attempts++;
            ChannelFuture f = knock.connect(o.pool());
            // decided once the channel is closed, in one place, so the counts add up whenever they are read
            f.channel().closeFuture().addListener(closed -> {
                if (!f.isSuccess() && refusedWhileConnecting(f.cause())) {
                    refused.incrementAndGet(); // the pool's reset overtook the client's end of the handshake
                } else if (!f.isSuccess()) {
                    connectFailed.incrementAndGet();
                    firstConnectFailure.compareAndSet(null, String.valueOf(f.cause()));
                } else if (f.channel().attr(Knock.KEY).get().answered) {
                    admitted.incrementAndGet();
                } else {
                    refused.incrementAndGet();
                }
                undecided.release();
            });
        }
        long elapsed = System.nanoTime() - start;
        long cpu1 = cpu();
        // the attempts still open get a few seconds to be decided; what is left is reported, not waited on
        long left = 0;
        if (undecided.tryAcquire(o.concurrency(), 10, TimeUnit.SECONDS)) {
            undecided.release(o.concurrency());
        } else {
            left = o.concurrency() - undecided.availablePermits();
        }
        long logBytes = o.serverLog().map(p -> size(p) - logBefore).orElse(-1L);
        double cpuPercent = server == null ? Double.NaN : 100.0 * (cpu1 - cpu0) / elapsed;
        Storm s = new Storm(attempts, refused.get(), admitted.get(), connectFailed.get(), left, cpuPercent, logBytes);
        out.printf(Locale.ROOT, "stratum_storm %d attempts in %.1f s (%.0f /s, %d at once) against %d held: %d refused, "
                        + "%d admitted, %d failed to connect, %d undecided%n", attempts, elapsed / 1e9, attempts / (elapsed / 1e9),
                o.concurrency(), handshaken.get(), s.refused(), s.admitted(), s.connectFailed(), s.undecided());
        if (firstConnectFailure.get() != null) {
            out.printf(Locale.ROOT, "stratum_storm_first_connect_failure %s%n", firstConnectFailure.get());
        }
        if (server != null) {
            out.printf(Locale.ROOT, "server_cpu_during_storm %.0f %% of one core%n", cpuPercent);
        }
        if (logBytes >= 0) {
            out.printf(Locale.ROOT, "server_log_growth_during_storm %d bytes (%.0f bytes/min)%n", logBytes,
                    logBytes / (elapsed / 6e10));
        }
        return s;
    }

    /**
     * A pool that closes an accepted connection with a reset at once can do so before the client's
     * connect has finished: the connect then fails with "Connection reset". That is a refusal by the
     * pool, not a failure to reach it (a full backlog or no listener gives a timeout or "refused").
     */
    private static boolean refusedWhileConnecting(Throwable cause) {
        return cause instanceof java.net.SocketException && String.valueOf(cause.getMessage()).contains("reset");
    }

    private static long size(java.nio.file.Path p) {
        try {
            return java.nio.file.Files.size(p);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("--server-log " + p + ": " + e.getMessage());
        }
    }

    /** One storm connection: the handshake out, and whether the pool answered it. */
    private static final class Knock extends SimpleChannelInboundHandler<ByteBuf> {
        static final io.netty.util.AttributeKey<Knock> KEY = io.netty.util.AttributeKey.valueOf("stratum-bench-knock");
        private final String user;
        private final String password;
        /** Written and read on the channel's event loop (the close listener runs there too). */
        boolean answered;

        Knock(String user, String password) {
            this.user = user;
            this.password = password;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(ByteBufUtil.writeUtf8(ctx.alloc(), Miner.handshake(user, password)), ctx.voidPromise());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
            answered = true;
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset from the pool is how it refuses
        }
    }

    // ------------------------------------------------------------------ notify

    /** Makes blocks on the pool's node and times each connection's clean mining.notify from the RPC call. */
    private void notifyRounds() throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        int ready = handshaken.get();
        long cpu0 = cpu();
        // every connection's first job first, or a late one would count as the first block's notify
        awaitCount(() -> (int) miners.stream().filter(m -> m.job != null).count(), ready, "first jobs");
        for (int r = 1; r <= o.rounds(); r++) {
            notifiedThisRound.set(0);
            roundStart = System.nanoTime();
            round = r;
            generateBlock(http);
            awaitCount(notifiedThisRound::get, ready, "clean notifies of round " + r);
            lastNotify.record(System.nanoTime() - roundStart);
            Thread.sleep(200); // spacing between blocks, not synchronization: the round is complete
        }
        round = 0;
        long cpu1 = cpu();
        out.printf(Locale.ROOT, "stratum_notify_rounds %d blocks, %d connections each%n", o.rounds(), ready);
        if (server != null) {
            out.printf(Locale.ROOT, "server_cpu_per_block_notify %.1f ms for %d connections (%.1f us each; includes the node's block and template)%n",
                    (cpu1 - cpu0) / 1e6 / o.rounds(), ready, (cpu1 - cpu0) / 1e3 / o.rounds() / Math.max(1, ready));
        }
        out.print(notifyLatency.report("stratum_notify_per_connection"));
        out.print(lastNotify.report("stratum_notify_all_connections"));
    }

    private void generateBlock(HttpClient http) {
        URI node = o.nodeRpc().orElseThrow();
        String body = "{\"jsonrpc\":\"1.0\",\"id\":\"bench\",\"method\":\"generatetoaddress\",\"params\":[1,\""
                + blockAddress + "\"]}";
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://" + node.getHost() + ":" + node.getPort() + "/"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (node.getRawUserInfo() != null) {
            req.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    java.net.URLDecoder.decode(node.getRawUserInfo(), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8)));
        }
        try {
            HttpResponse<String> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode answer = JSON.readTree(resp.body());
            if (resp.statusCode() != 200 || !answer.path("error").isNull()) {
                throw new IllegalStateException("generatetoaddress failed: HTTP " + resp.statusCode() + " " + resp.body());
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("node RPC " + node.getHost() + ":" + node.getPort() + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /**
     * Without a node to make blocks: watches clean notifies as the pool sends them and reports, per
     * new prevhash, how long after the first connection each other connection got it.
     */
    private void watchCleanNotifies() throws InterruptedException {
        firstCleanArrival.clear();
        measuring = true;
        Thread.sleep(o.seconds() * 1000L);
        measuring = false;
        out.printf(Locale.ROOT, "stratum_clean_notify_rounds %d new prevhashes seen in %d s%n",
                firstCleanArrival.size(), o.seconds());
        out.print(notifyLatency.report("stratum_clean_notify_spread_after_first"));
        List<Long> firsts = new ArrayList<>(firstCleanArrival.values());
        firsts.sort(Long::compare);
        Latency gaps = new Latency();
        for (int i = 1; i < firsts.size(); i++) {
            gaps.record(firsts.get(i) - firsts.get(i - 1));
        }
        out.print(gaps.report("stratum_clean_notify_interarrival"));
    }

    // ------------------------------------------------------------------ submit

    /** Runs the submit phase; returns {answers, measured nanos}. */
    private long[] submit(EventLoopGroup loops) throws InterruptedException {
        awaitCount(() -> (int) miners.stream().filter(m -> m.job != null).count(), handshaken.get(), "first jobs");
        List<ScheduledFuture<?>> pacers = new ArrayList<>();
        submitting = true;
        if (o.rate() == 0) {
            for (Miner m : miners) {
                m.execute(m::fill);
            }
        } else {
            // one pacer per client loop, each sending its share of the rate over its own connections
            Map<EventLoop, List<Miner>> byLoop = new HashMap<>();
            for (Miner m : miners) {
                if (m.channel != null && m.ready()) {
                    byLoop.computeIfAbsent(m.channel.eventLoop(), k -> new ArrayList<>()).add(m);
                }
            }
            for (var e : byLoop.entrySet()) {
                double rate = (double) o.rate() * e.getValue().size() / handshaken.get();
                pacers.add(e.getKey().scheduleAtFixedRate(new Pacer(e.getValue(), rate), 0, 1, TimeUnit.MILLISECONDS));
            }
        }
        Thread.sleep(o.warmupSeconds() * 1000L); // warm-up: JIT on both sides, vardiff settling
        answers.reset();
        accepted.set(0);
        rejected.set(0);
        submitted.set(0);
        validSent.set(0);
        long cpu0 = cpu();
        long start = System.nanoTime();
        measuring = true;
        Thread.sleep(o.seconds() * 1000L);
        measuring = false;
        long elapsed = System.nanoTime() - start;
        long cpu1 = cpu();
        long answered = accepted.get() + rejected.get();
        submitting = false;
        pacers.forEach(p -> p.cancel(false));
        out.printf(Locale.ROOT, "stratum_submits %d sent (%d valid at the announced difficulty), %d answered: %d accepted, %d rejected%n",
                submitted.get(), validSent.get(), answered, accepted.get(), rejected.get());
        out.printf(Locale.ROOT, "stratum_answers_per_second %.0f /s (%s, %d connections)%n", answered / (elapsed / 1e9),
                o.rate() == 0 ? "flat out, " + o.window() + " in flight each" : "target " + o.rate() + "/s",
                handshaken.get());
        out.print(answers.report("stratum_answer_latency"));
        if (server != null) {
            out.printf(Locale.ROOT, "server_cpu_during_submit %.0f %% of one core (%.1f us per answer)%n",
                    100.0 * (cpu1 - cpu0) / elapsed, answered == 0 ? Double.NaN : (cpu1 - cpu0) / 1e3 / answered);
        }
        return new long[] {answered, elapsed};
    }

    /** Sends submits at a fixed rate over a loop's connections, round robin; runs on that loop every millisecond. */
    private final class Pacer implements Runnable {
        private final List<Miner> miners;
        private final double perNano;
        private final long start = System.nanoTime();
        private long sent;
        private int next;

        Pacer(List<Miner> miners, double perSecond) {
            this.miners = miners;
            this.perNano = perSecond / 1e9;
        }

        @Override
        public void run() {
            long due = (long) ((System.nanoTime() - start) * perNano) - sent;
            // a pacer that fell behind (a stalled loop) does not burst to catch up: the rate is an upper bound
            due = Math.min(due, Math.max(1, (long) (perNano * 1e7)));
            for (long i = 0; i < due && submitting; i++) {
                Miner m = miners.get(next);
                next = (next + 1) % miners.size();
                m.submitOne(true);
                sent++;
            }
            if (due > 0) {
                sent = (long) ((System.nanoTime() - start) * perNano); // skip what could not be sent in time
            }
        }
    }

    // ------------------------------------------------------------------ plumbing

    private String failureNote() {
        return failed.get() == 0 ? "" : " (last: " + lastFailure + ")";
    }

    private long rss() {
        return server == null ? 0 : server.rssBytes().orElse(0);
    }

    private long cpu() {
        return server == null ? 0 : server.cpuNanos().orElse(0);
    }

    private void awaitCount(java.util.function.IntSupplier counter, int n, String what) throws InterruptedException {
        long end = System.nanoTime() + WAIT_NANOS;
        while (counter.getAsInt() < n) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("timed out waiting for " + what + ": " + counter.getAsInt() + "/" + n
                        + failureNote());
            }
            Thread.sleep(1);
        }
    }

    /** One miner connection; every method runs on its channel's event loop. */
    static final class Miner {
        static final io.netty.util.AttributeKey<Miner> KEY = io.netty.util.AttributeKey.valueOf("stratum-bench-miner");
        private static final ThreadLocal<ShareHasher> HASHER = ThreadLocal.withInitial(ShareHasher::new);

        private final StratumBench bench;
        private final long started;
        private final Map<Integer, Long> inFlight = new HashMap<>();
        Channel channel;
        private int answeredHandshake; // bits: 1 configure, 2 subscribe, 4 authorize
        private boolean done;
        private byte[] extranonce1;
        private int extranonce2Size = 4;
        private Target shareTarget;
        private double difficulty = Double.NaN;
        volatile PoolJob job;
        private String lastCleanPrev;
        private int seenRound;
        private long extranonce2;
        private int nonce;
        private int nextId = FIRST_SUBMIT_ID;

        Miner(StratumBench bench, long started) {
            this.bench = bench;
            this.started = started;
        }

        boolean ready() {
            return done && extranonce1 != null;
        }

        void execute(Runnable task) {
            if (channel != null) {
                channel.eventLoop().execute(task);
            }
        }

        void active(Channel ch) {
            channel = ch;
            write(handshake(bench.user, bench.o.password()));
        }

        /** configure (version rolling), subscribe and authorize in one segment, as firmware sends them. */
        static String handshake(String user, String password) {
            return "{\"id\":1,\"method\":\"mining.configure\",\"params\":[[\"version-rolling\"],"
                    + "{\"version-rolling.mask\":\"1fffe000\",\"version-rolling.min-bit-count\":2}]}\n"
                    + "{\"id\":2,\"method\":\"mining.subscribe\",\"params\":[\"templar-bench/1.0\"]}\n"
                    + "{\"id\":3,\"method\":\"mining.authorize\",\"params\":[" + quote(user) + ","
                    + quote(password) + "]}\n";
        }

        void line(String text) throws Exception {
            if (text.isBlank()) {
                return;
            }
            JsonNode m = JSON.readTree(text);
            String method = m.path("method").asText("");
            if (!method.isEmpty()) {
                notification(method, m.path("params"));
                return;
            }
            int id = m.path("id").asInt(-1);
            boolean ok = m.path("error").isNull() || m.path("error").isMissingNode();
            if (id >= FIRST_SUBMIT_ID) {
                Long sentAt = inFlight.remove(id);
                if (sentAt != null) {
                    if (bench.measuring) {
                        bench.answers.record(System.nanoTime() - sentAt);
                        (ok && m.path("result").asBoolean(false) ? bench.accepted : bench.rejected).incrementAndGet();
                    }
                    if (bench.o.rate() == 0) {
                        fill();
                    }
                }
                return;
            }
            switch (id) {
                case 1 -> answeredHandshake |= 1; // a pool without version rolling answers an error: still an answer
                case 2 -> {
                    answeredHandshake |= 2;
                    JsonNode r = m.path("result");
                    if (!ok || !r.isArray() || r.size() < 3) {
                        fail("subscribe refused: " + text);
                        return;
                    }
                    extranonce1 = Hex.decode(r.get(1).asText());
                    extranonce2Size = r.get(2).asInt();
                }
                case 3 -> {
                    answeredHandshake |= 4;
                    if (!ok || !m.path("result").asBoolean(false)) {
                        bench.authorizeRefused.incrementAndGet();
                    }
                }
                default -> { }
            }
            if (answeredHandshake == 7 && !done) {
                done = true;
                bench.handshake.record(System.nanoTime() - started);
                bench.handshaken.incrementAndGet();
                bench.opening.release();
            }
        }

        private void notification(String method, JsonNode params) {
            if (method.equals("mining.set_difficulty")) {
                difficulty = params.path(0).asDouble(Double.NaN);
                shareTarget = difficulty > 0 ? Difficulty.of(difficulty).toTarget() : null;
            } else if (method.equals("mining.notify") && params.isArray() && params.size() >= 9) {
                long now = System.nanoTime();
                PoolJob j = bench.o.mode().equals("submit") && extranonce1 != null
                        ? PoolJob.parse(params, extranonce1, extranonce2Size) : PoolJob.header(params);
                if (j.clean() && !j.prevHashField().equals(lastCleanPrev)) {
                    lastCleanPrev = j.prevHashField();
                    cleanNotify(j.prevHashField(), now);
                }
                job = j;
            }
        }

        private void cleanNotify(String prev, long now) {
            int r = bench.round;
            if (r > 0 && r != seenRound) {
                seenRound = r;
                bench.notifyLatency.record(now - bench.roundStart);
                bench.notifiedThisRound.incrementAndGet();
            } else if (bench.measuring && bench.o.nodeRpc().isEmpty() && bench.o.mode().equals("notify")) {
                long first = bench.firstCleanArrival.computeIfAbsent(prev, k -> now);
                bench.notifyLatency.record(now - first);
            }
        }

        /** Flat out: keeps the window full. */
        void fill() {
            if (!bench.submitting) {
                return;
            }
            int budget = bench.o.window() - inFlight.size();
            for (int i = 0; i < budget; i++) {
                submitOne(i == budget - 1);
            }
        }

        void submitOne(boolean flush) {
            PoolJob j = job;
            if (j == null || j.work() == null || !channel.isActive()) {
                return;
            }
            byte[] en2 = nextExtranonce2();
            boolean valid = wantsValid();
            if (valid) {
                valid = false;
                ShareHasher h = HASHER.get();
                // bounded search: at the tiny difficulties a test pool sets nearly every hash is a share;
                // one that would solve a block is skipped, so block submission is not what is measured
                for (int tries = 0; tries < 64 && !valid; tries++) {
                    nonce++;
                    ShareCheck c = h.check(j.work(), extranonce1, en2, j.ntime(), nonce, j.version());
                    valid = c.meets(shareTarget) && !c.meets(j.work().networkTarget());
                }
            } else {
                nonce++;
            }
            int id = nextId++;
            String line = "{\"id\":" + id + ",\"method\":\"mining.submit\",\"params\":[" + quote(bench.user) + ",\""
                    + j.jobId() + "\",\"" + Hex.encode(en2) + "\",\"" + String.format("%08x", j.ntime()) + "\",\""
                    + String.format("%08x", nonce) + "\"]}\n";
            inFlight.put(id, System.nanoTime());
            bench.submitted.incrementAndGet();
            if (valid) {
                bench.validSent.incrementAndGet();
            }
            ByteBuf buf = ByteBufUtil.writeAscii(channel.alloc(), line);
            if (flush) {
                channel.writeAndFlush(buf, channel.voidPromise());
            } else {
                channel.write(buf, channel.voidPromise());
            }
        }

        private boolean wantsValid() {
            return switch (bench.o.shares()) {
                case "valid" -> shareTarget != null;
                // auto: valid when a share is about one hash in a few (difficulty <= 1e-9)
                case "auto" -> shareTarget != null && difficulty <= 1e-9;
                default -> false;
            };
        }

        private byte[] nextExtranonce2() {
            if (nonce > Integer.MAX_VALUE - 100) {
                nonce = 0;
                extranonce2++;
            }
            byte[] en2 = new byte[extranonce2Size];
            long v = extranonce2;
            for (int i = extranonce2Size - 1; i >= 0; i--) {
                en2[i] = (byte) v;
                v >>>= 8;
            }
            return en2;
        }

        void fail(String why) {
            if (!done) {
                done = true;
                bench.lastFailure = why;
                bench.failed.incrementAndGet();
                bench.opening.release();
            }
            if (channel != null) {
                channel.close();
            }
        }

        private void write(String s) {
            channel.writeAndFlush(ByteBufUtil.writeUtf8(channel.alloc(), s), channel.voidPromise());
        }

        private static String quote(String s) {
            try {
                return JSON.writeValueAsString(s);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(e);
            }
        }

        /** The pipeline end: lines in, to the connection's {@link Miner}. */
        static final class Handler extends SimpleChannelInboundHandler<ByteBuf> {
            private Miner miner;

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                miner = ctx.channel().attr(KEY).get();
                miner.active(ctx.channel());
            }

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) throws Exception {
                miner.line(line.toString(CharsetUtil.UTF_8));
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                if (miner != null && !miner.done) {
                    miner.fail("closed by the pool during the handshake");
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                if (miner != null) {
                    miner.fail(cause.toString());
                }
                ctx.close();
            }
        }
    }
}
