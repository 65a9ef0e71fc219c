package org.templar.client.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.payout.Ledger;
import org.templar.payout.LedgerConfig;
import org.templar.payout.LedgerMetrics;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.BanList;
import org.templar.pool.core.BlockSubmitter;
import org.templar.pool.core.ExtranonceAllocator;
import org.templar.pool.core.PayoutMode;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.PoolMetrics;
import org.templar.pool.core.ShareProcessor;
import org.templar.pool.job.JobSettings;
import org.templar.pool.job.Template;
import org.templar.pool.job.TemplateSource;
import org.templar.pool.node.NodeClient;
import org.templar.pool.node.NodeGroup;
import org.templar.pool.sv1.session.Sv1Settings;
import org.templar.pool.sv1.transport.Sv1Server;
import org.templar.pool.sv2.mining.Sv2MiningSettings;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import org.templar.pool.sv2.noise.AuthorityPublicKey;
import org.templar.pool.sv2.noise.RotatingServerIdentity;
import org.templar.pool.sv2.server.Sv2Server;
import org.templar.pool.sv2.transport.NoiseTransportConfig;
import org.templar.share.ExtranoncePrefix;

/**
 * `templar proxy`: the miner's site. Templates come from the miner's own node through the pool's node
 * client (getblocktemplate, ZMQ or polling), shaped by the miner's {@link TxPolicy}; the miner's SV1
 * hardware is served by the pool's own Stratum V1 server (vardiff, version rolling, extranonce
 * splitting), and its SV2 hardware, when asked, by the pool's own Stratum V2 mining server; both judge
 * shares against the proxy's jobs and record them in a local ledger.
 * In solo mode every coinbase pays the configured solo address, whatever username a machine
 * authorizes with, and a solved block goes to the miner's node at once.
 */
public final class TemplarProxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TemplarProxy.class);

    private final ProxyConfig config;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private NodeGroup nodes;
    private Ledger ledger;
    private TemplateSource templates;
    private PoolContext context;
    private Sv1Server sv1;
    private InetSocketAddress sv1Address;
    private Sv2Server sv2;
    private InetSocketAddress sv2Address;
    private AuthorityKeyPair authority;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private UpstreamSelector upstream;
    private TdpClient tdp;

    private TemplarProxy(ProxyConfig config) {
        this.config = config;
    }

    public static TemplarProxy start(ProxyConfig config) throws Exception {
        TemplarProxy p = new TemplarProxy(config);
        try {
            p.startAll();
        } catch (Exception | Error e) {
            p.close();
            throw e;
        }
        return p;
    }

    private void startAll() throws Exception {
        Files.createDirectories(config.dataDir());
        nodes = config.node() == null ? null : new NodeGroup(List.of(new NodeClient(config.node(), config.nodeTimeout())));
        ledger = Ledger.open(LedgerConfig.embedded(config.dataDir()), LedgerMetrics.NONE);
        resources.add(ledger);
        JobSettings js = new JobSettings(config.tag(), JobSettings.defaults().maxCoinbaseSize(),
                JobSettings.defaults().duplicateCapacity());
        if (config.tdp().isPresent()) {
            templates = TemplateSource.pushed(js, config.policy());
        } else {
            templates = new TemplateSource(nodes, js, config.pollInterval(), config.refreshInterval(),
                    config.node().zmqHashblock(), config.policy());
        }
        resources.add(templates);
        BlockSubmitter submitter = new BlockSubmitter(nodes, ledger, PoolMetrics.NONE, templates::refresh);
        resources.add(submitter);
        submitter.resubmitUnsettled(); // a solo block found just before the proxy last stopped
        Sv1Settings sv1Settings = Sv1Settings.defaults();
        if (!config.pools().isEmpty()) {
            // extranonce1 is 4 bytes; the miners roll extranonce1 + extranonce2 of the pool channel's extranonce
            upstream = new UpstreamSelector(config.pools(), templates, 4 + sv1Settings.extranonce2Size(),
                    config.soloAddress());
            resources.add(upstream);
        }
        if (config.tdp().isPresent()) {
            // CoinbaseOutputConstraints: solo, the one output to the solo address; for a pool, whatever
            // outputs it asks for, bounded only by the coinbase size the miners accept
            var soloOutputs = Authorizer.planFor(config.network(), config.soloAddress()).outputs(1);
            long outputBytes = soloOutputs.stream().mapToLong(o -> o.serializedSize()).sum();
            int sigops = soloOutputs.stream().mapToInt(o -> sigopCost(o.script())).sum();
            if (!config.pools().isEmpty()) {
                outputBytes = Math.max(outputBytes, js.maxCoinbaseSize());
                // the pool's outputs are known only once it answers: as if each were P2PKH (34 bytes, 4 sigop cost)
                sigops = Math.max(sigops, Math.min(0xffff, js.maxCoinbaseSize() / 34 * 4));
            }
            tdp = new TdpClient(config.tdp().get(), templates::offer, outputBytes, sigops, Duration.ofSeconds(1));
            resources.add(tdp);
            tdp.start().exceptionally(e -> {
                log.error("template provider {}: {}", config.tdp().get().address(), e.getMessage());
                return null;
            });
        }
        ShareProcessor.ShareObserver observer = observers(upstream, tdp);
        ShareProcessor shares = new ShareProcessor(ledger, submitter, PoolMetrics.NONE, null, templates::refresh, observer);
        // Every machine behind the proxy mines for the proxy's owner: the "pool" address of the
        // authorizer is the solo address, so any username is accepted and paid there.
        Authorizer authorizer = new Authorizer(config.network(), PayoutMode.POOL, Optional.of(config.soloAddress()));
        context = new PoolContext(authorizer, new ExtranonceAllocator(), shares, templates::current, config.vardiff(),
                0x1fffe000, PoolMetrics.NONE, new BanList());
        if (!templates.start(Duration.ofSeconds(15))) {
            log.warn("the {} has not given a block template yet; miners get work as soon as it does",
                    config.tdp().isPresent() ? "template provider" : "node");
        }
        boss = new NioEventLoopGroup(1);
        workers = new NioEventLoopGroup(2);
        sv1 = new Sv1Server(context, sv1Settings, 16 * 1024, 600);
        sv1Address = listen("SV1", config.sv1Listen(), () -> sv1.start(boss, workers, config.sv1Listen()));
        templates.addListener(sv1::broadcast);
        if (config.sv2Listen().isPresent()) {
            // the bytes the SV1 miners roll (extranonce1 + extranonce2), which the pool's channel is opened for
            startSv2(ExtranonceAllocator.SIZE + sv1Settings.extranonce2Size());
        }
        if (upstream != null) {
            upstream.start();
        }
        log.info("templar proxy: SV1 on {}, templates from {}{}, solo payout to {}", sv1Address,
                config.tdp().isPresent() ? "the template provider at " + config.tdp().get().address() : config.node(),
                config.policy().isNone() ? "" : " with the miner's policy " + config.policy(), config.soloAddress());
    }

    /**
     * The SV2 downstream: the pool's own SV2 mining server on the proxy's context, so an SV2 machine gets
     * the same jobs (solo, or declared to the pool), vardiff and share checks as the SV1 ones, and its
     * shares and solves reach the pool through the same observer. Its Noise certificates are signed by
     * the proxy's own authority key, created in the data directory on first start as `templar run` does;
     * the machines pin its public key. A channel's jobs may have no longer an extranonce than the proxy
     * rolls in the pool's channel, in solo too: the proxy can enter the pool while the channel is open.
     */
    private void startSv2(int extranonceSize) throws Exception {
        authority = AuthorityKeyPair.loadOrCreate(AuthorityKeyPair.fileIn(config.dataDir()), new java.security.SecureRandom());
        RotatingServerIdentity identity = new RotatingServerIdentity(authority, Duration.ofDays(1),
                java.time.Clock.systemUTC(), new java.security.SecureRandom());
        sv2 = new Sv2Server(context, Sv2MiningSettings.defaults().withMaxExtranonceSize(extranonceSize), identity,
                NoiseTransportConfig.defaults(), 600);
        sv2Address = listen("SV2", config.sv2Listen().get(), () -> sv2.start(boss, workers, config.sv2Listen().get()));
        templates.addListener(sv2::broadcast);
        log.info("templar proxy: SV2 on {}, authority public key {} (from {})", sv2Address,
                authority.publicKey().toBase58(), AuthorityKeyPair.fileIn(config.dataDir()));
    }

    /**
     * Binds a downstream listener; a port already taken becomes a {@link java.net.BindException} naming
     * the listener and its address (Netty's own names neither), so the command line can say which flag to change.
     */
    private static InetSocketAddress listen(String what, InetSocketAddress at,
            java.util.concurrent.Callable<InetSocketAddress> bind) throws Exception {
        try {
            return bind.call();
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.net.BindException) {
                    java.net.BindException named = new java.net.BindException(what + " listener: " + at.getHostString()
                            + ":" + at.getPort() + " is already in use (" + t.getMessage() + ")");
                    named.initCause(e);
                    throw named;
                }
            }
            throw e;
        }
    }

    /**
     * The sigop cost of an output script as a block counts it: legacy sigops (P2PKH's OP_CHECKSIG; bare
     * multisig is not a payout script) times the witness scale factor. P2SH, segwit and taproot outputs
     * cost nothing until spent.
     */
    static int sigopCost(byte[] script) {
        boolean p2pkh = script.length == 25 && script[0] == 0x76 && script[1] == (byte) 0xa9 && script[2] == 0x14
                && script[23] == (byte) 0x88 && script[24] == (byte) 0xac;
        boolean p2pk = (script.length == 35 || script.length == 67) && script[script.length - 1] == (byte) 0xac;
        return p2pkh || p2pk ? 4 : 0;
    }

    /** Both observers of solves, either of which may be absent. */
    private static ShareProcessor.ShareObserver observers(ShareProcessor.ShareObserver a, ShareProcessor.ShareObserver b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return new ShareProcessor.ShareObserver() {
            @Override
            public void accepted(org.templar.pool.job.Job job, ExtranoncePrefix extranonce1, byte[] extranonce2, int ntime,
                    int nonce, int version, byte[] hashLe) {
                a.accepted(job, extranonce1, extranonce2, ntime, nonce, version, hashLe);
                b.accepted(job, extranonce1, extranonce2, ntime, nonce, version, hashLe);
            }

            @Override
            public void solved(org.templar.pool.job.Job job, byte[] extranonce, byte[] header80) {
                b.solved(job, extranonce, header80); // the provider first: it broadcasts the block
                a.solved(job, extranonce, header80);
            }
        };
    }

    /** The Template Distribution client, when templates come from a provider. */
    public java.util.Optional<TdpClient> tdp() {
        return java.util.Optional.ofNullable(tdp);
    }

    public InetSocketAddress sv1Address() {
        return sv1Address;
    }

    /** Where SV2 machines connect, when the SV2 downstream is on. */
    public Optional<InetSocketAddress> sv2Address() {
        return Optional.ofNullable(sv2Address);
    }

    /** The public key SV2 machines pin (the proxy's authority, in its data directory), when the SV2 downstream is on. */
    public Optional<AuthorityPublicKey> authority() {
        return Optional.ofNullable(authority).map(AuthorityKeyPair::publicKey);
    }

    /** The template the downstream miners are on (after the policy), or null before the node answered. */
    public Template currentTemplate() {
        return templates.current();
    }

    public TemplateSource templates() {
        return templates;
    }

    public Ledger ledger() {
        return ledger;
    }

    /** The pool connections (Job Declaration and the mining channel of each), when pools are configured. */
    public java.util.Optional<UpstreamSelector> upstream() {
        return java.util.Optional.ofNullable(upstream);
    }

    /** Solo, or for a pool on the miner's templates. */
    public PoolUpstream.Mode mode() {
        return upstream == null ? PoolUpstream.Mode.SOLO : upstream.mode();
    }

    /** The pool the miners are on, or empty while they mine solo. */
    public java.util.Optional<PoolUpstream.Config> activePool() {
        return upstream == null ? java.util.Optional.empty() : upstream.activePool();
    }

    /**
     * Each configured pool in priority order: ready or not, and the last reason it could not be used
     * (a refusal with the spec's error, silence, a closed connection); empty without pools.
     */
    public List<PoolUpstream.Status> poolStatus() {
        return upstream == null ? List.of() : upstream.status();
    }

    public int downstreamConnections() {
        return (sv1 == null ? 0 : sv1.connectionCount()) + (sv2 == null ? 0 : sv2.connectionCount());
    }

    @Override
    public void close() {
        if (sv1 != null) {
            try {
                sv1.close();
            } catch (RuntimeException e) {
                log.warn("closing SV1: {}", e.toString());
            }
        }
        if (sv2 != null) {
            try {
                sv2.close();
            } catch (RuntimeException e) {
                log.warn("closing SV2: {}", e.toString());
            }
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                log.warn("closing {}: {}", resources.get(i).getClass().getSimpleName(), e.toString());
            }
        }
    }
}
