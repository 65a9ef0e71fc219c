package org.templar.client.miner;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.bitcoinj.base.Sha256Hash;
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
import org.templar.pool.sv2.noise.ServerIdentity;
import org.templar.pool.sv2.transport.NoiseHandler;
import org.templar.pool.sv2.transport.NoiseTransportConfig;

/**
 * A scripted Stratum V2 pool for tests: a real Netty server on an OS-chosen loopback port with the
 * project's Noise responder and SV2 codec. It answers SetupConnection, opens the channel the miner asks
 * for, sends a real job (a {@link TestJob}: BIP34 coinbase, two transactions, merkle path) as a future job
 * activated by SetNewPrevHash, and checks every submitted share by rebuilding coinbase, merkle root and
 * header and hashing them with bitcoinj (not with the code under test) before answering
 * SubmitShares.Success (optionally batched) or SubmitShares.Error.
 */
final class Sv2ScriptedPool implements AutoCloseable {
    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();
    static final long CHANNEL_ID = 7;
    /** Extended channels: 4 pool bytes + 4 miner bytes fill the TestJob's 8-byte extranonce push. */
    static final byte[] EXTENDED_PREFIX = HEX.parseHex("a1b2c3d4");
    static final int EXTENDED_SIZE = 4;
    /** Standard channels: the whole 8-byte extranonce is the channel's prefix. */
    static final byte[] STANDARD_PREFIX = HEX.parseHex("0102030405060708");

    /** One share as the pool saw and checked it. */
    record Submission(int connection, boolean extended, long sequence, long jobId, long nonce, long ntime,
            long version, String extranonce, BigInteger hash, boolean meetsShareTarget, boolean meetsNetworkTarget,
            boolean jobLive, boolean versionOk, Instant at) {}

    /** The answer to a share: null = accept, else an SV2 error_code. */
    interface Judge extends Function<Submission, String> {}

    /** A job as sent on one connection, with the target in force for it. */
    private record SentJob(TestJob job, BigInteger target, byte[] prefix, boolean extended) {}

    final AuthorityKeyPair authority;
    private final ServerIdentity identity;
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel server;
    private final List<Conn> conns = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger nextJobId = new AtomicInteger(1);

    final BlockingQueue<Submission> submissions = new LinkedBlockingQueue<>();
    final List<Sv2Common.SetupConnection> setups = new CopyOnWriteArrayList<>();
    final List<Sv2Message> opens = new CopyOnWriteArrayList<>();
    final List<Sv2Mining.UpdateChannel> updates = new CopyOnWriteArrayList<>();
    /** Anything the pool could not make sense of: a test fails if this is not empty. */
    final List<Throwable> problems = new CopyOnWriteArrayList<>();
    final AtomicInteger acknowledged = new AtomicInteger();
    final AtomicInteger acknowledgedBlocks = new AtomicInteger();
    final Map<String, AtomicInteger> rejectedByCode = new ConcurrentHashMap<>();

    volatile TestJob initialJob;
    volatile BigInteger shareTarget;
    volatile long setupSuccessFlags;
    /** Acknowledge accepted shares in batches of this many (the spec lets a pool batch Success). */
    volatile int ackBatch = 1;
    volatile Judge judge = s -> !s.jobLive() ? "stale-share"
            : !s.versionOk() ? "invalid-version" : s.meetsShareTarget() ? null : "difficulty-too-low";

    Sv2ScriptedPool(TestJob initialJob, BigInteger shareTarget) throws InterruptedException {
        this(initialJob, shareTarget, AuthorityKeyPair.generate(RANDOM));
    }

    /** Another server of the same pool: its certificate is signed by the same authority. */
    Sv2ScriptedPool(TestJob initialJob, BigInteger shareTarget, AuthorityKeyPair authority) throws InterruptedException {
        this.authority = authority;
        this.identity = ServerIdentity.issue(authority, Instant.now().minusSeconds(60), Duration.ofHours(1), RANDOM);
        this.initialJob = initialJob;
        this.shareTarget = shareTarget;
        this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Conn conn = new Conn(connections.incrementAndGet());
                        conns.add(conn);
                        ch.pipeline().addLast(NoiseHandler.server(identity, NoiseTransportConfig.defaults()),
                                new Sv2FrameDecoder(), new Sv2FrameEncoder(), Sv2MessageHandler.INSTANCE, conn);
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    int port() {
        return ((java.net.InetSocketAddress) server.localAddress()).getPort();
    }

    String url() {
        return "stratum2+tcp://127.0.0.1:" + port() + "/" + authority.publicKey().toBase58();
    }

    int connectionCount() {
        return connections.get();
    }

    /**
     * A new block tip: every open channel gets SetTarget (when {@code newTarget} is not null), then the job as a
     * future job, then the SetNewPrevHash that activates it. Every job sent before becomes stale.
     */
    void newTip(TestJob job, BigInteger newTarget) {
        for (Conn c : conns) {
            c.ctx().executor().execute(() -> c.newTip(job, newTarget));
        }
    }

    /** Sends Reconnect to every connection (as a pool does before a graceful shutdown). */
    void reconnectAll(String host, int port) {
        for (Conn c : conns) {
            if (c.ctx() != null) {
                c.ctx().writeAndFlush(new Sv2Common.Reconnect(Str0255.of(host), port));
            }
        }
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    // ---- independent checks with bitcoinj ----

    static byte[] internalPrevHash(TestJob job) {
        return reversed(Sha256Hash.wrap(job.prevHashDisplay()).getBytes());
    }

    static byte[] merkleRoot(TestJob job, byte[] extranonce) {
        ByteArrayOutputStream cb = new ByteArrayOutputStream();
        cb.writeBytes(job.coinb1());
        cb.writeBytes(extranonce);
        cb.writeBytes(job.coinb2());
        byte[] acc = Sha256Hash.hashTwice(cb.toByteArray());
        for (byte[] step : job.branch()) {
            acc = Sha256Hash.hashTwice(acc, step);
        }
        return acc;
    }

    /** The header hash read as the little-endian integer targets are compared with. */
    static BigInteger headerHash(long version, byte[] prevInternal, byte[] root, long ntime, long nbits, long nonce) {
        byte[] h = new byte[80];
        le32(h, 0, version);
        System.arraycopy(prevInternal, 0, h, 4, 32);
        System.arraycopy(root, 0, h, 36, 32);
        le32(h, 68, ntime);
        le32(h, 72, nbits);
        le32(h, 76, nonce);
        return new BigInteger(1, reversed(Sha256Hash.hashTwice(h)));
    }

    static BigInteger networkTarget(int nbits) {
        int exp = nbits >>> 24;
        BigInteger mant = BigInteger.valueOf(nbits & 0x7fffff);
        return exp <= 3 ? mant.shiftRight(8 * (3 - exp)) : mant.shiftLeft(8 * (exp - 3));
    }

    static U256 u256(BigInteger v) {
        byte[] be = v.toByteArray();
        byte[] le = new byte[32];
        for (int i = 0; i < 32 && i < be.length; i++) {
            le[i] = be[be.length - 1 - i];
        }
        return U256.of(le);
    }

    private static void le32(byte[] b, int off, long v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    private static byte[] reversed(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }

    /** One miner connection, confined to its event loop. */
    private final class Conn extends SimpleChannelInboundHandler<Sv2Message> {
        private final int index;
        private volatile ChannelHandlerContext ctx;
        private boolean extended;
        private boolean open;
        private final Map<Long, SentJob> jobs = new ConcurrentHashMap<>();
        private final Map<Long, Boolean> live = new ConcurrentHashMap<>();
        private final List<Submission> unacked = new ArrayList<>();
        private BigInteger target;

        Conn(int index) {
            this.index = index;
        }

        ChannelHandlerContext ctx() {
            return ctx;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Sv2Message m) {
            try {
                handle(ctx, m);
            } catch (RuntimeException e) {
                problems.add(e);
            }
        }

        private void handle(ChannelHandlerContext ctx, Sv2Message m) {
            if (m instanceof Sv2Common.SetupConnection s) {
                setups.add(s);
                ctx.writeAndFlush(new Sv2Common.SetupConnectionSuccess(2, setupSuccessFlags));
            } else if (m instanceof Sv2Mining.OpenStandardMiningChannel o) {
                opens.add(o);
                extended = false;
                target = shareTarget;
                ctx.write(new Sv2Mining.OpenStandardMiningChannelSuccess(o.requestId(), CHANNEL_ID, u256(target),
                        Bytes.of(STANDARD_PREFIX), 0));
                open = true;
                newTip(initialJob, null);
            } else if (m instanceof Sv2Mining.OpenExtendedMiningChannel o) {
                opens.add(o);
                extended = true;
                target = shareTarget;
                ctx.write(new Sv2Mining.OpenExtendedMiningChannelSuccess(o.requestId(), CHANNEL_ID, u256(target),
                        EXTENDED_SIZE, Bytes.of(EXTENDED_PREFIX), 0));
                open = true;
                newTip(initialJob, null);
            } else if (m instanceof Sv2Mining.UpdateChannel u) {
                updates.add(u); // accepted silently, as the spec has it
            } else if (m instanceof Sv2Mining.SubmitSharesStandard s) {
                check(ctx, s.channelId(), s.sequenceNumber(), s.jobId(), s.nonce(), s.ntime(), s.version(), null);
            } else if (m instanceof Sv2Mining.SubmitSharesExtended s) {
                check(ctx, s.channelId(), s.sequenceNumber(), s.jobId(), s.nonce(), s.ntime(), s.version(),
                        s.extranonce().toArray());
            } else {
                problems.add(new AssertionError("unexpected message from the miner: " + m));
            }
        }

        void newTip(TestJob job, BigInteger newTarget) {
            if (!open) {
                return;
            }
            if (newTarget != null) {
                target = newTarget;
                ctx.write(new Sv2Mining.SetTarget(CHANNEL_ID, u256(newTarget)));
            }
            long id = nextJobId.getAndIncrement();
            live.replaceAll((k, v) -> false);
            byte[] prefix = extended ? EXTENDED_PREFIX : STANDARD_PREFIX;
            jobs.put(id, new SentJob(job, target, prefix, extended));
            live.put(id, true);
            if (extended) {
                List<U256> path = new ArrayList<>();
                job.branch().forEach(b -> path.add(U256.of(b)));
                ctx.write(new Sv2Mining.NewExtendedMiningJob(CHANNEL_ID, id, OptionalLong.empty(), job.version(), true,
                        path, Bytes.of(job.coinb1()), Bytes.of(job.coinb2())));
            } else {
                ctx.write(new Sv2Mining.NewMiningJob(CHANNEL_ID, id, OptionalLong.empty(), job.version(),
                        U256.of(merkleRoot(job, STANDARD_PREFIX))));
            }
            ctx.writeAndFlush(new Sv2Mining.SetNewPrevHash(CHANNEL_ID, id, U256.of(internalPrevHash(job)),
                    job.ntime() & 0xffffffffL, job.nbits() & 0xffffffffL));
        }

        private void check(ChannelHandlerContext ctx, long channel, long seq, long jobId, long nonce, long ntime,
                long version, byte[] extranonce) {
            SentJob sent = jobs.get(jobId);
            if (channel != CHANNEL_ID || sent == null) {
                problems.add(new AssertionError("share for unknown channel/job " + channel + "/" + jobId));
                ctx.writeAndFlush(new Sv2Mining.SubmitSharesError(channel, seq, Str0255.of("invalid-job-id")));
                return;
            }
            if (sent.extended() != (extranonce != null) || (extranonce != null && extranonce.length != EXTENDED_SIZE)) {
                problems.add(new AssertionError("wrong submit kind or extranonce size for job " + jobId));
            }
            byte[] fullExtranonce = sent.prefix();
            if (extranonce != null) {
                fullExtranonce = new byte[sent.prefix().length + extranonce.length];
                System.arraycopy(sent.prefix(), 0, fullExtranonce, 0, sent.prefix().length);
                System.arraycopy(extranonce, 0, fullExtranonce, sent.prefix().length, extranonce.length);
            }
            TestJob job = sent.job();
            BigInteger hash = headerHash(version, internalPrevHash(job), merkleRoot(job, fullExtranonce), ntime,
                    job.nbits() & 0xffffffffL, nonce);
            // BIP320: only the general-purpose bits may differ from the job's version.
            boolean versionOk = ((version ^ job.version()) & ~0x1fffe000L & 0xffffffffL) == 0;
            Submission s = new Submission(index, sent.extended(), seq, jobId, nonce, ntime, version,
                    extranonce == null ? "" : HEX.formatHex(extranonce), hash, hash.compareTo(sent.target()) <= 0,
                    hash.compareTo(networkTarget(job.nbits())) <= 0, live.getOrDefault(jobId, false), versionOk,
                    Instant.now());
            submissions.add(s);
            String error = judge.apply(s);
            if (error != null) {
                rejectedByCode.computeIfAbsent(error, k -> new AtomicInteger()).incrementAndGet();
                ctx.writeAndFlush(new Sv2Mining.SubmitSharesError(CHANNEL_ID, seq, Str0255.of(error)));
                return;
            }
            unacked.add(s);
            if (unacked.size() >= ackBatch) {
                long sum = 0;
                for (Submission u : unacked) {
                    acknowledged.incrementAndGet();
                    if (u.meetsNetworkTarget()) {
                        acknowledgedBlocks.incrementAndGet();
                    }
                    sum += 1;
                }
                ctx.writeAndFlush(new Sv2Mining.SubmitSharesSuccess(CHANNEL_ID, seq, unacked.size(), sum));
                unacked.clear();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            problems.add(cause);
            ctx.close();
        }
    }
}
