package org.templar.client.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.templar.payout.coinbase.TxOut;
import org.templar.pool.sv2.codec.Bytes;
import org.templar.pool.sv2.codec.Sv2Common;
import org.templar.pool.sv2.codec.Sv2FrameDecoder;
import org.templar.pool.sv2.codec.Sv2FrameEncoder;
import org.templar.pool.sv2.codec.Sv2JobDeclaration;
import org.templar.pool.sv2.codec.Sv2Message;
import org.templar.pool.sv2.codec.Sv2MessageHandler;
import org.templar.pool.sv2.codec.Sv2Mining;
import org.templar.pool.sv2.codec.U256;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import org.templar.pool.sv2.noise.ServerIdentity;
import org.templar.pool.sv2.transport.NoiseHandler;
import org.templar.pool.sv2.transport.NoiseTransportConfig;
import org.templar.share.BlockHeader;
import org.templar.share.MerkleBranch;
import org.templar.share.Sha256;
import org.templar.share.Target;

/**
 * A scripted pool for the proxy's tests (until the pool's own JDS exists): a JDS and a mining endpoint on
 * OS-chosen loopback ports behind the project's Noise responder and SV2 codec. The JDS hands out tokens
 * whose first output is the pool's payout script, asks for every declared transaction with
 * ProvideMissingTransactions and then accepts; the mining endpoint opens work-selecting extended channels,
 * acknowledges SetCustomMiningJob, and checks every share by rebuilding the coinbase from the custom job's
 * fields and the channel's extranonce prefix, folding the merkle path and hashing the header (counted
 * valid or invalid). It can be stopped (every connection closed, nothing listening) and started again on
 * the same ports.
 */
final class ScriptedJdPool implements AutoCloseable {
    static final byte[] CHANNEL_PREFIX = {(byte) 0xa1, (byte) 0xb2, (byte) 0xc3, (byte) 0xd4};
    static final int CHANNEL_EXTRANONCE = 8;

    final AuthorityKeyPair authority = AuthorityKeyPair.generate(new SecureRandom());
    final byte[] poolScript;
    private final ServerIdentity identity;
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private int jdsPort;
    private int miningPort;
    private Channel jdsServer;
    private Channel miningServer;

    /** When set, the JDS refuses every declaration with this error code. */
    volatile String refuseDeclarations;
    /** When set, the JDS stops answering declarations (it still holds the connection). */
    volatile boolean silentOnDeclarations;
    final AtomicInteger refused = new AtomicInteger();
    final AtomicInteger tokens = new AtomicInteger();
    final AtomicInteger declarations = new AtomicInteger();
    final AtomicInteger missingAsked = new AtomicInteger();
    final AtomicInteger validShares = new AtomicInteger();
    final List<String> problems = new CopyOnWriteArrayList<>();
    final List<Sv2JobDeclaration.PushSolution> solutions = new CopyOnWriteArrayList<>();
    private final Map<Long, Sv2Mining.SetCustomMiningJob> jobs = new ConcurrentHashMap<>();
    private final AtomicInteger nextJob = new AtomicInteger(100);

    ScriptedJdPool(byte[] poolScript) throws InterruptedException {
        this.poolScript = poolScript;
        this.identity = ServerIdentity.issue(authority, Instant.now().minusSeconds(60), Duration.ofHours(1), new SecureRandom());
        start();
    }

    synchronized void start() throws InterruptedException {
        jdsServer = bind(jdsPort, true);
        miningServer = bind(miningPort, false);
        jdsPort = ((InetSocketAddress) jdsServer.localAddress()).getPort();
        miningPort = ((InetSocketAddress) miningServer.localAddress()).getPort();
    }

    /** Nothing listens any more and every connection is closed: the pool is gone. */
    synchronized void stop() {
        jdsServer.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        miningServer.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    InetSocketAddress jds() {
        return new InetSocketAddress("127.0.0.1", jdsPort);
    }

    InetSocketAddress mining() {
        return new InetSocketAddress("127.0.0.1", miningPort);
    }

    private Channel bind(int port, boolean jds) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ch.pipeline().addLast(NoiseHandler.server(identity, NoiseTransportConfig.defaults()),
                                new Sv2FrameDecoder(), new Sv2FrameEncoder(), Sv2MessageHandler.INSTANCE,
                                jds ? new Jds() : new Mining());
                    }
                }).bind("127.0.0.1", port).sync().channel();
    }

    private final class Jds extends SimpleChannelInboundHandler<Sv2Message> {
        private final Map<Long, Sv2JobDeclaration.DeclareMiningJob> pending = new ConcurrentHashMap<>();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Sv2Message m) {
            if (m instanceof Sv2Common.SetupConnection s) {
                if (s.protocol() != Sv2Common.SetupConnection.PROTOCOL_JOB_DECLARATION
                        || (s.flags() & Sv2Common.SetupConnection.DECLARE_TX_DATA) == 0) {
                    problems.add("JDS setup: protocol " + s.protocol() + " flags " + s.flags());
                }
                ctx.writeAndFlush(new Sv2Common.SetupConnectionSuccess(2, 0));
            } else if (m instanceof Sv2JobDeclaration.AllocateMiningJobToken a) {
                tokens.incrementAndGet();
                byte[] outs = CustomJobCoinbase.serializeOutputs(List.of(new TxOut(0, poolScript)));
                ctx.writeAndFlush(new Sv2JobDeclaration.AllocateMiningJobTokenSuccess(a.requestId(),
                        Bytes.of(("tok" + tokens.get()).getBytes()), Bytes.of(outs)));
            } else if (m instanceof Sv2JobDeclaration.DeclareMiningJob d) {
                declarations.incrementAndGet();
                if (refuseDeclarations != null) {
                    refused.incrementAndGet();
                    ctx.writeAndFlush(new Sv2JobDeclaration.DeclareMiningJobError(d.requestId(),
                            org.templar.pool.sv2.codec.Str0255.of(refuseDeclarations), Bytes.EMPTY));
                    return;
                }
                if (silentOnDeclarations) {
                    return;
                }
                if (d.wtxidList().isEmpty()) {
                    accept(ctx, d.requestId());
                } else {
                    pending.put(d.requestId(), d);
                    List<Integer> all = new ArrayList<>();
                    for (int i = 0; i < d.wtxidList().size(); i++) {
                        all.add(i);
                    }
                    missingAsked.incrementAndGet();
                    ctx.writeAndFlush(new Sv2JobDeclaration.ProvideMissingTransactions(d.requestId(), all));
                }
            } else if (m instanceof Sv2JobDeclaration.ProvideMissingTransactionsSuccess p) {
                var d = pending.remove(p.requestId());
                if (d == null || p.transactionList().size() != d.wtxidList().size()) {
                    problems.add("bad ProvideMissingTransactions.Success " + p.requestId());
                    return;
                }
                accept(ctx, p.requestId());
            } else if (m instanceof Sv2JobDeclaration.PushSolution s) {
                solutions.add(s);
            } else {
                problems.add("JDS got " + m);
            }
        }

        private void accept(ChannelHandlerContext ctx, long requestId) {
            ctx.writeAndFlush(new Sv2JobDeclaration.DeclareMiningJobSuccess(requestId, Bytes.of(("job" + requestId).getBytes())));
        }
    }

    private final class Mining extends SimpleChannelInboundHandler<Sv2Message> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Sv2Message m) {
            if (m instanceof Sv2Common.SetupConnection s) {
                if ((s.flags() & Sv2Common.SetupConnection.REQUIRES_WORK_SELECTION) == 0) {
                    problems.add("mining setup without REQUIRES_WORK_SELECTION");
                }
                ctx.writeAndFlush(new Sv2Common.SetupConnectionSuccess(2, 0));
            } else if (m instanceof Sv2Mining.OpenExtendedMiningChannel o) {
                byte[] easiest = new byte[32];
                java.util.Arrays.fill(easiest, (byte) 0xff);
                ctx.writeAndFlush(new Sv2Mining.OpenExtendedMiningChannelSuccess(o.requestId(), 1, U256.of(easiest),
                        CHANNEL_EXTRANONCE, Bytes.of(CHANNEL_PREFIX), 0));
            } else if (m instanceof Sv2Mining.SetCustomMiningJob j) {
                List<TxOut> outs = CustomJobCoinbase.parseOutputs(j.coinbaseTxOutputs().toArray());
                if (!java.util.Arrays.equals(outs.get(0).script(), poolScript) || outs.get(0).valueSats() <= 0) {
                    problems.add("custom job does not pay the pool output first: " + outs);
                }
                long id = nextJob.incrementAndGet();
                jobs.put(id, j);
                ctx.writeAndFlush(new Sv2Mining.SetCustomMiningJobSuccess(j.channelId(), j.requestId(), id));
            } else if (m instanceof Sv2Mining.SubmitSharesExtended s) {
                var j = jobs.get(s.jobId());
                if (j == null) {
                    problems.add("share on unknown job " + s.jobId());
                    ctx.writeAndFlush(new Sv2Mining.SubmitSharesError(s.channelId(), s.sequenceNumber(),
                            org.templar.pool.sv2.codec.Str0255.of("invalid-job-id")));
                    return;
                }
                if (hashesAsTheProxyClaims(j, s)) {
                    validShares.incrementAndGet();
                    ctx.writeAndFlush(new Sv2Mining.SubmitSharesSuccess(s.channelId(), s.sequenceNumber(), 1, 1));
                } else {
                    problems.add("share does not hash to the job's target: job " + s.jobId());
                    ctx.writeAndFlush(new Sv2Mining.SubmitSharesError(s.channelId(), s.sequenceNumber(),
                            org.templar.pool.sv2.codec.Str0255.of("invalid-share")));
                }
            } else {
                problems.add("mining endpoint got " + m);
            }
        }
    }

    /**
     * The pool's own check of a share on a custom job: coinbase = version | one null input whose scriptSig is
     * coinbase_prefix + channel prefix + extranonce | nSequence | outputs | locktime; merkle root from the
     * path; header hashed. The proxy forwards shares of difficulty 0.001 and up (its miners' vardiff); a
     * header built from any wrong field hashes at random and meets difficulty 0.0001 about once in 2^19 tries.
     */
    private static boolean hashesAsTheProxyClaims(Sv2Mining.SetCustomMiningJob j, Sv2Mining.SubmitSharesExtended s) {
        ByteArrayOutputStream cb = new ByteArrayOutputStream();
        writeInt(cb, (int) j.coinbaseTxVersion());
        cb.write(1);
        cb.writeBytes(new byte[32]);
        writeInt(cb, 0xffffffff);
        byte[] prefix = j.coinbasePrefix().toArray();
        byte[] extranonce = s.extranonce().toArray();
        cb.write(prefix.length + CHANNEL_PREFIX.length + extranonce.length);
        cb.writeBytes(prefix);
        cb.writeBytes(CHANNEL_PREFIX);
        cb.writeBytes(extranonce);
        writeInt(cb, (int) j.coinbaseTxInputNSequence());
        cb.writeBytes(j.coinbaseTxOutputs().toArray());
        writeInt(cb, (int) j.coinbaseTxLocktime());
        List<byte[]> path = new ArrayList<>();
        j.merklePath().forEach(h -> path.add(h.toArray()));
        byte[] root = MerkleBranch.of(path).rootFrom(Sha256.hashTwice(cb.toByteArray()));
        byte[] header = BlockHeader.serialize((int) s.version(), j.prevHash().toArray(), root, (int) s.ntime(),
                (int) j.nbits(), (int) s.nonce());
        Target shareFloor = Target.fromDifficulty(org.templar.share.Difficulty.of(0.0001));
        return shareFloor.isMetBy(Sha256.hashTwice(header));
    }

    private static void writeInt(ByteArrayOutputStream b, int v) {
        for (int i = 0; i < 4; i++) {
            b.write(v >>> (8 * i));
        }
    }

    @Override
    public void close() {
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
