package org.templar.pool.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.ScriptType;
import org.bitcoinj.crypto.ECKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.BanList;
import org.templar.pool.core.ExtranonceAllocator;
import org.templar.pool.core.PayoutMode;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.PoolMetrics;
import org.templar.pool.core.VardiffSettings;
import org.templar.pool.job.Template;
import org.templar.pool.job.TestTemplates;
import org.templar.pool.sv1.session.Sv1Settings;
import org.templar.pool.sv1.transport.Sv1Server;
import org.templar.pool.sv2.codec.Str0255;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2FrameDecoder;
import org.templar.pool.sv2.codec.Sv2FrameEncoder;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2MessageHandler;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;
import org.templar.pool.sv2.mining.Sv2MiningSettings;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import org.templar.pool.sv2.noise.RotatingServerIdentity;
import org.templar.pool.sv2.server.Sv2Server;
import org.templar.pool.sv2.transport.NoiseHandler;
import org.templar.pool.sv2.transport.NoiseHandshakeComplete;
import org.templar.pool.sv2.transport.NoiseTransportConfig;

/**
 * Issue 7, defect 1: a client that sends requests and never reads the answers must not make the pool
 * queue without bound. On both Stratum listeners, on loopback: the never-reading client (tiny receive
 * buffer) floods requests while the pool's pending bytes for it are sampled; they stay under the cap
 * because the pool stops reading from it. Then job announcements (which are never dropped) push it past
 * the cap and it is closed and counted, while an honest client beside it gets every job and every answer.
 */
@Timeout(90)
class SlowReaderTest {
    /**
     * Small for a quick test, but four times the high-water mark: what the pool reads in the one read
     * during which it turns unwritable (up to 64 KiB of requests, each answered) must fit under it.
     */
    private static final long CAP = 256 * 1024;
    private static final int MAX_LINE = 16384;
    private static final String ADDRESS = new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AtomicReference<Template> current = new AtomicReference<>(TestTemplates.newTip(1));
    private final RecordingMetrics metrics = new RecordingMetrics();
    private PoolContext pool;
    private EventLoopGroup boss;
    private EventLoopGroup workers;

    @BeforeEach
    void start() {
        pool = new PoolContext(new Authorizer(BitcoinNetwork.REGTEST, PayoutMode.SOLO, Optional.empty()),
                new ExtranonceAllocator(), null, current::get, VardiffSettings.regtest(), 0x1fffe000, metrics, new BanList());
        boss = new NioEventLoopGroup(1);
        workers = new NioEventLoopGroup(2);
    }

    @AfterEach
    void stop() {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    // ------------------------------------------------------------------ Stratum V1

    @Test
    void sv1ClientThatNeverReadsIsBoundedThenClosedWhileAnHonestMinerIsServed() throws Exception {
        try (Sv1Server server = new Sv1Server(pool, Sv1Settings.defaults(), MAX_LINE, 60, OutboundLimit.ofCap(CAP))) {
            InetSocketAddress address = server.start(boss, workers, new InetSocketAddress("127.0.0.1", 0));
            try (Sv1Line honest = new Sv1Line(address); Socket slow = new Socket()) {
                honest.subscribeAndAuthorize();
                slow.setReceiveBufferSize(2048);
                slow.connect(address, 5000);
                OutputStream out = slow.getOutputStream();
                out.write(("{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[]}\n{\"id\":2,\"method\":"
                        + "\"mining.authorize\",\"params\":[\"" + ADDRESS + ".slow\",\"x\"]}\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                await(() -> server.connectionCount() == 2, "both connected");

                // each request carries an 8 KB id that the answer repeats: 16 MiB asked, none of it read
                byte[] request = ("{\"id\":\"" + "x".repeat(8000) + "\",\"method\":\"mining.extranonce.subscribe\","
                        + "\"params\":[]}\n").getBytes(StandardCharsets.UTF_8);
                Flood flood = new Flood(() -> {
                    out.write(request);
                    return request.length;
                }, 2048);
                long peak = flood.runWhileSampling(server::largestPendingOutboundBytes);
                assertTrue(peak > 0, "the slow client's answers did queue up");
                assertTrue(peak <= CAP, "pending bytes stayed under the cap while flooding: " + peak);
                assertFalse(flood.finished(), "the pool stopped reading from the client that does not read");
                assertTrue(honest.call("mining.extranonce.subscribe").contains("\"result\":true"),
                        "the honest miner is answered meanwhile");
                assertTrue(metrics.overflows.isEmpty(), "requests alone never reach the cap: reading stopped first");

                // job announcements are not dropped for the slow client: they queue until the cap closes it
                int sent = 1;
                for (int height = 2; height < 5000 && metrics.overflows.isEmpty(); height++) {
                    Template t = TestTemplates.newTip(height);
                    current.set(t);
                    server.broadcast(t);
                    sent++;
                    int expected = sent;
                    await(() -> honest.notifies.get() >= expected, "the honest miner got job " + expected);
                }
                await(() -> !metrics.overflows.isEmpty(), "the slow client closed past the cap");
                Overflow o = metrics.overflows.peek();
                assertEquals("sv1", o.protocol());
                // the write that crossed the cap may be one of the answers (the socket can drain a little and
                // let reading resume), so the bound is the cap plus one line
                assertTrue(o.pendingBytes() > CAP && o.pendingBytes() <= CAP + MAX_LINE + 256, "closed just past the cap: " + o);
                assertEquals(1, metrics.overflows.size());
                await(() -> server.connectionCount() == 1, "only the honest miner is left");
                assertTrue(flood.awaitEnd(Duration.ofSeconds(10)), "the flood ends with the connection");
                assertEquals(sent, honest.notifies.get(), "the honest miner got every job, once");
                assertTrue(honest.call("mining.extranonce.subscribe").contains("\"result\":true"), "and is still served");
            }
        }
    }

    /** A line-reading SV1 client that reads everything, counting job announcements. */
    private static final class Sv1Line implements AutoCloseable {
        final Socket socket = new Socket();
        final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        final AtomicInteger notifies = new AtomicInteger();
        final Thread reader;
        int nextId = 100;

        Sv1Line(InetSocketAddress address) throws IOException {
            socket.connect(address, 5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            reader = new Thread(() -> {
                try {
                    for (String line; (line = in.readLine()) != null;) {
                        if (line.contains("\"method\":\"mining.notify\"")) {
                            notifies.incrementAndGet();
                        } else if (!line.contains("\"method\"")) {
                            answers.add(line);
                        }
                    }
                } catch (IOException closed) {
                    // the test closed the socket
                }
            }, "honest-sv1");
            reader.setDaemon(true);
            reader.start();
        }

        String call(String method, String params) throws Exception {
            int id = nextId++;
            socket.getOutputStream().write(("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}\n")
                    .getBytes(StandardCharsets.UTF_8));
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); System.nanoTime() < end;) {
                String line = answers.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.contains("\"id\":" + id + ",")) {
                    return line;
                }
            }
            throw new AssertionError("no answer to " + method + " within 10 s");
        }

        String call(String method) throws Exception {
            return call(method, "[]");
        }

        void subscribeAndAuthorize() throws Exception {
            call("mining.subscribe");
            assertTrue(call("mining.authorize", "[\"" + ADDRESS + ".honest\",\"x\"]").contains("\"result\":true"));
            await(() -> notifies.get() == 1, "the first job");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    // ------------------------------------------------------------------ Stratum V2

    @Test
    void sv2ClientThatNeverReadsIsBoundedThenClosedWhileAnHonestMinerIsServed() throws Exception {
        AuthorityKeyPair authority = AuthorityKeyPair.generate(RANDOM);
        try (Sv2Server server = new Sv2Server(pool, Sv2MiningSettings.defaults(), new RotatingServerIdentity(authority,
                Duration.ofHours(1), Clock.systemUTC(), RANDOM), NoiseTransportConfig.defaults(), 60, OutboundLimit.ofCap(CAP), null)) {
            InetSocketAddress address = server.start(boss, workers, new InetSocketAddress("127.0.0.1", 0));
            try (Sv2Peer honest = new Sv2Peer(address, authority, true); Sv2Peer slow = new Sv2Peer(address, authority, false)) {
                honest.openChannel("honest");
                assertInstanceOf(Sv2Mining.OpenStandardMiningChannelSuccess.class, honest.next(Sv2Mining.OpenStandardMiningChannelSuccess.class));
                await(() -> honest.prevHashes.get() == 1, "the first job");
                slow.openChannel("slow");
                await(() -> server.connectionCount() == 2, "both connected");

                // an update for a channel that does not exist is answered with an error every time
                Sv2Mining.UpdateChannel bogus = new Sv2Mining.UpdateChannel(999, 1e12f, U256.of(filled(0xff)));
                Flood flood = new Flood(() -> {
                    // a batch at a time, waiting until it has left the client: otherwise the flood would
                    // only measure how fast the client's own event loop queues tasks
                    ChannelFuture last = null;
                    for (int i = 0; i < 100; i++) {
                        last = slow.channel.write(bogus);
                    }
                    slow.channel.flush();
                    while (!last.await(100)) {
                        if (!slow.channel.isActive()) {
                            throw new IOException("closed");
                        }
                    }
                    if (!last.isSuccess()) {
                        throw new IOException("closed", last.cause());
                    }
                    return 100 * 62; // 40 payload + 6 header + 16 MAC each
                }, 2000);
                long peak = flood.runWhileSampling(server::largestPendingOutboundBytes);
                assertTrue(peak > 0, "the slow client's answers did queue up");
                assertTrue(peak <= CAP, "pending bytes stayed under the cap while flooding: " + peak);
                assertFalse(flood.finished(), "the pool stopped reading from the client that does not read");
                honest.channel.writeAndFlush(bogus);
                honest.next(Sv2Mining.UpdateChannelError.class);
                assertTrue(metrics.overflows.isEmpty(), "requests alone never reach the cap: reading stopped first");

                // a new tip costs the slow client only ~150 bytes here, and the socket buffers take some first
                int sent = 1;
                for (int height = 2; height < 40_000 && metrics.overflows.isEmpty(); height++) {
                    Template t = TestTemplates.newTip(height);
                    current.set(t);
                    server.broadcast(t);
                    sent++;
                    if (sent % 50 == 0) {
                        int expected = sent;
                        await(() -> honest.prevHashes.get() >= expected, "the honest miner got job " + expected);
                    }
                }
                await(() -> !metrics.overflows.isEmpty(), "the slow client closed past the cap after " + sent
                        + " new tips; it owes " + server.largestPendingOutboundBytes() + " bytes, "
                        + server.connectionCount() + " connected, flood wrote " + flood.written.get());
                Overflow o = metrics.overflows.peek();
                assertEquals("sv2", o.protocol());
                assertTrue(o.pendingBytes() > CAP && o.pendingBytes() <= CAP + 4096, "closed just past the cap: " + o);
                await(() -> server.connectionCount() == 1, "only the honest miner is left");
                int all = sent;
                await(() -> honest.prevHashes.get() >= all, "the honest miner got every new tip");
                assertEquals(sent, honest.prevHashes.get(), "the honest miner got every new tip, once");
                honest.channel.writeAndFlush(bogus);
                honest.next(Sv2Mining.UpdateChannelError.class);
            }
        }
    }

    private static byte[] filled(int b) {
        byte[] a = new byte[32];
        Arrays.fill(a, (byte) b);
        return a;
    }

    /**
     * An SV2 client; one that does not read stops reading right after the Noise handshake. Turning
     * autoRead off is not enough for that: a frame decoder asks for more after a partial frame.
     */
    private static final class Sv2Peer implements AutoCloseable {
        final EventLoopGroup group = new NioEventLoopGroup(1);
        final BlockingQueue<Sv2Message> inbox = new LinkedBlockingQueue<>();
        final AtomicInteger prevHashes = new AtomicInteger();
        final Channel channel;
        volatile boolean reading = true;

        Sv2Peer(InetSocketAddress address, AuthorityKeyPair authority, boolean reads) throws Exception {
            CountDownLatch handshake = new CountDownLatch(1);
            channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.SO_RCVBUF, reads ? 65536 : 2048)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
                                        @Override
                                        public void read(ChannelHandlerContext ctx) {
                                            if (reading) {
                                                ctx.read();
                                            }
                                        }
                                    }, NoiseHandler.client(authority.publicKey(), NoiseTransportConfig.defaults()),
                                    new Sv2FrameDecoder(), new Sv2FrameEncoder(), Sv2MessageHandler.INSTANCE,
                                    new SimpleChannelInboundHandler<Sv2Message>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, Sv2Message m) {
                                            if (m instanceof Sv2Mining.SetNewPrevHash) {
                                                prevHashes.incrementAndGet();
                                            } else {
                                                inbox.add(m);
                                            }
                                        }

                                        @Override
                                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                            if (evt instanceof NoiseHandshakeComplete) {
                                                reading = reads;
                                                ctx.channel().config().setAutoRead(reads);
                                                handshake.countDown();
                                            }
                                            ctx.fireUserEventTriggered(evt);
                                        }
                                    });
                        }
                    }).connect(address).sync().channel();
            assertTrue(handshake.await(10, TimeUnit.SECONDS), "Noise handshake");
            channel.writeAndFlush(new Sv2Common.SetupConnection(0, 2, 2, 0, Str0255.of("127.0.0.1"), 1,
                    Str0255.of("test"), Str0255.EMPTY, Str0255.EMPTY, Str0255.EMPTY)).syncUninterruptibly();
            if (reads) {
                next(Sv2Common.SetupConnectionSuccess.class);
            }
        }

        void openChannel(String worker) {
            channel.writeAndFlush(new Sv2Mining.OpenStandardMiningChannel(1, Str0255.of(ADDRESS + "." + worker), 1e6f,
                    U256.of(filled(0xff)))).syncUninterruptibly();
        }

        /** The next message of {@code type}, skipping the job and group messages that come with every channel. */
        <T extends Sv2Message> T next(Class<T> type) throws InterruptedException {
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); System.nanoTime() < end;) {
                Sv2Message m = inbox.poll(100, TimeUnit.MILLISECONDS);
                if (type.isInstance(m)) {
                    return type.cast(m);
                }
            }
            throw new AssertionError("no " + type.getSimpleName() + " within 10 s");
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    // ------------------------------------------------------------------ common

    /** One write of a flood; returns the bytes written, throws once the connection is gone. */
    private interface FloodStep {
        int write() throws Exception;
    }

    /** Writes up to {@code steps} requests on its own thread (a blocked write must not block the test). */
    private static final class Flood {
        final AtomicLong written = new AtomicLong();
        final CountDownLatch done = new CountDownLatch(1);
        final Thread thread;
        volatile boolean completed;

        Flood(FloodStep step, int steps) {
            thread = new Thread(() -> {
                try {
                    for (int i = 0; i < steps; i++) {
                        written.addAndGet(step.write());
                    }
                    completed = true;
                } catch (Exception connectionGone) {
                    // the pool closed the connection: that ends the flood
                } finally {
                    done.countDown();
                }
            }, "flood");
            thread.setDaemon(true);
            thread.start();
        }

        /**
         * Samples {@code pending} until the flood has made no progress for two seconds (the pool stopped
         * reading) or ended; returns the largest sample.
         */
        long runWhileSampling(LongSupplier pending) throws InterruptedException {
            long peak = 0;
            long last = -1;
            long stalledSince = System.nanoTime();
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(40); System.nanoTime() < end;) {
                peak = Math.max(peak, pending.getAsLong());
                long now = written.get();
                if (now != last) {
                    last = now;
                    stalledSince = System.nanoTime();
                } else if (System.nanoTime() - stalledSince > TimeUnit.SECONDS.toNanos(2) || done.getCount() == 0) {
                    break;
                }
                Thread.sleep(5);
            }
            return Math.max(peak, pending.getAsLong());
        }

        boolean finished() {
            return completed;
        }

        boolean awaitEnd(Duration timeout) throws InterruptedException {
            return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); !condition.getAsBoolean();) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(2);
        }
    }

    private record Overflow(String protocol, long pendingBytes) {}

    private static final class RecordingMetrics implements PoolMetrics {
        final ConcurrentLinkedQueue<Overflow> overflows = new ConcurrentLinkedQueue<>();

        @Override
        public void outboundOverflow(String protocol, long pendingBytes) {
            overflows.add(new Overflow(protocol, pendingBytes));
        }

        @Override
        public void shareAccepted(String protocol, org.templar.share.Difficulty difficulty) {}

        @Override
        public void shareRejected(String protocol, String reason) {}

        @Override
        public void blockFound(int height, org.templar.payout.BlockStatus status) {}

        @Override
        public void connectionOpened(String protocol) {}

        @Override
        public void connectionClosed(String protocol) {}

        @Override
        public void jobsBroadcast(String protocol, int sessions, long nanos) {}
    }
}
