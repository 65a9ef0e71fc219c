package org.templar.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bitcoinj.base.BitcoinNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.ops.config.ConfigException;
import org.templar.ops.config.TemplarConfig;
import org.templar.payout.BlockTracker;
import org.templar.payout.Ledger;
import org.templar.payout.LedgerConfig;
import org.templar.payout.LedgerMetrics;
import org.templar.payout.PayoutLedger;
import org.templar.payout.PoolInstances;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.BanList;
import org.templar.pool.core.BlockSubmitter;
import org.templar.pool.core.ExtranonceAllocator;
import org.templar.pool.core.PoolContext;
import org.templar.pool.core.PoolMetrics;
import org.templar.pool.core.ShareLogWriter;
import org.templar.pool.core.ShareProcessor;
import org.templar.pool.core.ShareStats;
import org.templar.pool.core.StatsRecordingMetrics;
import org.templar.pool.job.JobSettings;
import org.templar.pool.job.Template;
import org.templar.pool.job.TemplateSource;
import org.templar.pool.node.NodeClient;
import org.templar.pool.node.NodeEndpoint;
import org.templar.pool.node.NodeGroup;
import org.templar.pool.sv1.session.Sv1Settings;
import org.templar.pool.sv1.transport.Sv1Server;
import org.templar.pool.sv2.mining.Sv2MiningSettings;
import org.templar.pool.sv2.noise.AuthorityKeyPair;
import org.templar.pool.sv2.noise.RotatingServerIdentity;
import org.templar.pool.sv2.server.Sv2Listener;
import org.templar.pool.sv2.jds.JdsSession;
import org.templar.pool.sv2.jds.JobDeclarations;
import org.templar.pool.sv2.server.Sv2Server;
import org.templar.pool.sv2.tdp.TemplateProvider;
import org.templar.pool.transport.OutboundLimit;
import org.templar.pool.sv2.tdp.TemplateProviderSession;
import org.templar.pool.sv2.transport.NoiseTransportConfig;
import org.templar.regtest.RegtestNode;

/**
 * A running pool, wired from a {@link TemplarConfig}: (embedded node) -> node group -> template source
 * -> share processor + block submitter -> Stratum listeners, with the ledger underneath. The
 * composition root for `templar run` and for end-to-end tests; it holds no protocol logic.
 */
public final class PoolRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PoolRuntime.class);

    /** Replaced by {@link #reload()} with the live changes applied; what start-up bound stays. */
    private volatile TemplarConfig config;
    private java.util.Optional<Path> reloadFile = Optional.empty();
    private java.util.function.Supplier<TemplarConfig> reloadSource;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ShareStats stats = ShareStats.systemClock();
    private ShareLogWriter shareLog;
    private RegtestNode embeddedNode;
    private Ledger ledger;
    private PoolInstances instance;
    private org.templar.payout.ShareRetention retention;
    private NodeGroup nodes;
    private TemplateSource templates;
    private PoolContext context;
    private Sv1Server sv1;
    private InetSocketAddress sv1Address;
    private InetSocketAddress sv1TlsAddress;
    private Sv2Server sv2;
    /** Largest frame a Template Distribution client may send (a SubmitSolution's coinbase). */
    static final int TDP_MAX_INBOUND_PAYLOAD = 1 << 20;
    /**
     * What a Template Distribution client may owe at most: one RequestTransactionData.Success carries a
     * whole block's transactions (up to 4 MB, encrypted in 64 KiB chunks), so the cap miners get would
     * close an honest client on its first request. Twice the largest answer still bounds a client that
     * never reads (reading stops at the high-water mark as everywhere).
     */
    static final long TDP_MIN_OUTBOUND_CAP = 8L << 20;
    private InetSocketAddress sv2Address;
    private Sv2Listener<TemplateProviderSession> tdp;
    private InetSocketAddress tdpAddress;
    private JobDeclarations declarations;
    /** The TIDES planner when the pool pays in the coinbase; the JDS answers extension 0x0003 from it. */
    private org.templar.pool.core.TidesPlanner tidesPlanner;
    private Sv2Listener<JdsSession> jds;
    private InetSocketAddress jdsAddress;
    private AuthorityKeyPair authority;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private BlockWebhook webhook;

    private final org.templar.pool.node.RpcObserver rpcObserver;

    private PoolRuntime(TemplarConfig config, org.templar.pool.node.RpcObserver rpcObserver) {
        this.config = config;
        this.rpcObserver = rpcObserver;
    }

    public static PoolRuntime start(TemplarConfig config, PoolMetrics metrics, LedgerMetrics ledgerMetrics)
            throws Exception {
        return start(config, metrics, ledgerMetrics, org.templar.pool.node.RpcObserver.NONE);
    }

    /** @param rpcObserver told of every node RPC call (latency and errors per node) */
    public static PoolRuntime start(TemplarConfig config, PoolMetrics metrics, LedgerMetrics ledgerMetrics,
            org.templar.pool.node.RpcObserver rpcObserver) throws Exception {
        PoolRuntime r = new PoolRuntime(config, rpcObserver);
        try {
            r.startAll(metrics, ledgerMetrics);
        } catch (Exception | Error e) {
            r.close();
            throw e;
        }
        return r;
    }

    private void startAll(PoolMetrics reported, LedgerMetrics ledgerMetrics) throws Exception {
        // always there, even without URLs: `templar reload` may add some
        webhook = new BlockWebhook(config.webhooks(), config.network().toString().toLowerCase(java.util.Locale.ROOT));
        resources.add(webhook);
        PoolMetrics metrics = new StatsRecordingMetrics(reported, stats, webhook);
        Files.createDirectories(config.dataDir());
        List<NodeEndpoint> endpoints = config.nodes().endpoints();
        if (config.nodes().embedded()) {
            TemplarConfig.EmbeddedNode e = config.embeddedNode();
            try {
                embeddedNode = RegtestNode.start(new RegtestNode.Config("127.0.0.1", e.rpcPort(), e.rpcUser(),
                        e.rpcPassword(), e.zmqPort(), config.dataDir().resolve("regtest")));
            } catch (RuntimeException failed) {
                if (Startup.isBindFailure(failed)) { // say which of its two ports is taken
                    boolean rpc = !Startup.portFree(e.rpcPort());
                    throw Startup.portInUse(rpc ? "embedded_node.rpc_port" : "embedded_node.zmq_port", "127.0.0.1",
                            rpc ? e.rpcPort() : e.zmqPort());
                }
                throw failed;
            }
            resources.add(embeddedNode);
            endpoints = List.of(new NodeEndpoint(embeddedNode.rpcUri(), e.rpcUser(), e.rpcPassword(),
                    Optional.ofNullable(embeddedNode.zmqEndpoint())));
            log.debug("embedded regtest node: RPC {} (user {}), ZMQ hashblock {}", embeddedNode.rpcUri(), e.rpcUser(),
                    embeddedNode.zmqEndpoint());
        }
        List<NodeClient> clients = new ArrayList<>();
        for (NodeEndpoint ep : endpoints) {
            clients.add(new NodeClient(ep, config.nodes().timeout(), rpcObserver));
        }
        nodes = new NodeGroup(clients, config.nodes().failover());
        checkNetwork();

        LedgerConfig lc = config.database().url()
                .map(url -> new LedgerConfig(url, config.database().user(), config.database().password(),
                        LedgerConfig.DEFAULT_POOL_SIZE, LedgerConfig.DEFAULT_QUEUE_CAPACITY, LedgerConfig.DEFAULT_MAX_BATCH,
                        LedgerConfig.DEFAULT_CONNECTION_TIMEOUT, true))
                .orElseGet(() -> LedgerConfig.embedded(config.dataDir()))
                .withQueueCapacity(config.database().queueCapacity());
        int writers = config.database().writers() > 0 ? config.database().writers() : lc.writers();
        // Each writer holds a connection while it writes, nearly always under load: three stay for
        // blocks, the API, the rolling window and the worker-total folds, as with one writer.
        lc = lc.withPoolSize(Math.max(lc.poolSize(), writers + 3)).withWriters(writers);
        ledger = Ledger.open(lc, ledgerMetrics);
        resources.add(ledger);
        // the instance number keeps this instance's extranonce1 values apart from those of every other
        // instance on the same database; the lease also elects the one that tracks blocks
        instance = PoolInstances.join(ledger.dataSource(), config.pool().instance(), ExtranonceAllocator.MAX_INSTANCES,
                PoolInstances.DEFAULT_LEASE);
        resources.add(instance);
        log.info("pool instance {} of at most {} on this ledger database{}", instance.number(),
                ExtranonceAllocator.MAX_INSTANCES, instance.isLeader() ? ", leading block tracking" : "");
        TemplarConfig.Payout payout = config.pool().payout();
        NodeChainView chainView = new NodeChainView(nodes.primary(), config.nodes().timeout(),
                NodeChainView.halvingInterval(config.network()));
        resources.add(new PayoutTracking(new BlockTracker(new PayoutLedger(ledger), chainView, payout.scheme(),
                payout.orphanDepth(), webhook), payout.trackInterval(), instance::isLeader));
        // old shares into aggregates, by the same leader and with the same view of the chain (window lengths)
        retention = new org.templar.payout.ShareRetention(ledger, payout.scheme(), chainView, config.database().retainAge());
        if (!config.database().compactInterval().isZero()) {
            resources.add(new LedgerRetention(retention, config.database().compactInterval(), instance::isLeader));
        }

        TemplarConfig.Pool p = config.pool();
        templates = new TemplateSource(nodes, new JobSettings(p.tag(), p.maxCoinbaseSize(), p.sharesPerJob()),
                config.nodes().pollInterval(), config.nodes().refreshInterval(), endpoints.get(0).zmqHashblock());
        resources.add(templates);
        if (payout.scheme() instanceof org.templar.payout.scheme.Tides tides) {
            // every job's coinbase pays the window: planned once per template, from the ledger
            tidesPlanner = new org.templar.pool.core.TidesPlanner(new PayoutLedger(ledger), tides,
                    config.network(), p.payoutAddress().orElseThrow(), chainView);
            templates.usePayoutPlanner(tidesPlanner);
        }
        BlockSubmitter submitter = new BlockSubmitter(nodes, ledger, metrics, templates::refresh);
        resources.add(submitter);
        if (config.shareLog().isPresent()) {
            shareLog = new ShareLogWriter(config.shareLog().get());
            resources.add(shareLog);
        }
        ShareProcessor processor = new ShareProcessor(ledger, submitter, metrics, shareLog, templates::renewJobs);
        Authorizer authorizer = new Authorizer(config.network(), p.mode(), p.payoutAddress(),
                payout.scheme().kind() == org.templar.payout.scheme.PayoutScheme.SchemeKind.TIDES);
        // bans live in the ledger database too, so a restart forgets none
        BanList bans = new BanList(java.time.Clock.systemUTC(), new org.templar.payout.BanStore(ledger.dataSource()));
        resources.add(bans);
        TemplarConfig.Policy limits = config.policy();
        org.templar.pool.core.OperatorLog operatorLog = new org.templar.pool.core.OperatorLog(limits.logLinesPerSecond());
        org.templar.pool.core.ConnectionPolicy policy = new org.templar.pool.core.ConnectionPolicy(
                new org.templar.pool.core.ConnectionLimits(limits.maxConnections(), limits.maxConnectionsPerIp()),
                new org.templar.pool.core.AutoBans(limits.bans(), bans, metrics, operatorLog), operatorLog);
        context = new PoolContext(authorizer, ExtranonceAllocator.forInstance(instance.number()), processor, templates::current, config.vardiff(),
                p.versionMask(), metrics, bans, policy);

        if (!templates.start(Duration.ofSeconds(15))) {
            log.warn("the node has not given a block template yet; miners get work as soon as it does");
        }
        submitter.resubmitUnsettled();

        boss = new NioEventLoopGroup(1);
        workers = new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()));
        // "N lines suppressed" even when no further line comes to carry it
        workers.scheduleAtFixedRate(operatorLog::flushSuppressed, 10, 10, TimeUnit.SECONDS);
        if (config.sv1().enabled()) {
            sv1 = new Sv1Server(context, new Sv1Settings(p.extranonce2Size(), 20, 32, limits.sv1SetupTimeout()), config.sv1MaxLineLength(),
                    (int) config.sv1IdleTimeout().toSeconds(), config.outbound()).proxyProtocolFrom(config.proxyProtocolFrom());
            sv1Address = Startup.bind("sv1.listen", config.sv1().address(), () -> sv1.start(boss, workers, config.sv1().address()));
            if (config.sv1Tls().listen().enabled()) {
                io.netty.handler.ssl.SslContext tls = Sv1TlsSetup.serverContext(config.sv1Tls(), config.dataDir());
                InetSocketAddress tlsBind = config.sv1Tls().listen().address();
                sv1TlsAddress = Startup.bind("sv1.tls_listen", tlsBind, () -> sv1.startTls(boss, workers, tlsBind, tls));
            }
            templates.addListener(sv1::broadcast);
        }
        RotatingServerIdentity identity = null;
        if (config.sv2().enabled() || config.tdp().enabled()) {
            authority = AuthorityKeyPair.loadOrCreate(config.sv2AuthorityKeyFile().orElse(authorityKeyFile(config.dataDir())),
                    new java.security.SecureRandom());
            log.debug("Stratum V2 authority public key: {} (miners pin it: stratum2+tcp://HOST:PORT/{})",
                    authority.publicKey().toBase58(), authority.publicKey().toBase58());
            identity = new RotatingServerIdentity(authority, Duration.ofDays(1), java.time.Clock.systemUTC(),
                    new java.security.SecureRandom());
        }
        if (config.sv2().enabled()) {
            if (config.jds().listen().enabled()) {
                declarations = new JobDeclarations(context, nodes, config.jds().settings(), java.time.Clock.systemUTC());
                if (tidesPlanner != null) {
                    org.templar.pool.core.TidesPlanner planner = tidesPlanner;
                    declarations.usePayoutOutputs((value, template, outputBytes, poolScript) -> {
                        var plan = planner.planValue(value, template, outputBytes);
                        return java.util.Optional.of(new JobDeclarations.PayoutOutputs.Answer(plan.plan().outputs(),
                                java.util.Optional.of(plan)));
                    });
                }
            }
            sv2 = new Sv2Server(context, Sv2MiningSettings.defaults(), identity, NoiseTransportConfig.defaults(),
                    (int) config.sv1IdleTimeout().toSeconds(), config.outbound(), declarations)
                    .proxyProtocolFrom(config.proxyProtocolFrom());
            sv2Address = Startup.bind("sv2.listen", config.sv2().address(), () -> sv2.start(boss, workers, config.sv2().address()));
            templates.addListener(sv2::broadcast);
            if (declarations != null) {
                // same authority and Noise as SV2 mining: a miner pins one key for both
                JobDeclarations jd = declarations;
                templates.addListener(jd::onTemplate);
                jds = new Sv2Listener<>(new Sv2Listener.Options("jds", JdsSession.MAX_INBOUND_PAYLOAD,
                        config.sv1IdleTimeout(), JdsSession.SETUP_TIMEOUT, true), context.bans(), metrics, config.outbound(), identity,
                        NoiseTransportConfig.defaults(), (out, id) -> new JdsSession(jd, out, id))
                        .connectionPolicy(policy);
                jdsAddress = jds.start(boss, workers, config.jds().listen().address());
                log.info("Job Declaration Server: Full-Template jobs need {} % of their revenue in the pool output;"
                        + " Coinbase-only {}", 100 * config.jds().settings().minPoolShare(),
                        config.jds().settings().coinbaseOnlyAllowed() ? "allowed at "
                                + 100 * config.jds().settings().coinbaseOnlyMinShare() + " %" : "refused");
            }
        } else if (config.jds().listen().enabled()) {
            log.info("Job Declaration Server off: it runs only with the Stratum V2 listener (sv2.listen)");
        }
        if (config.tdp().enabled()) {
            TemplateProvider provider = new TemplateProvider(() -> {
                Template t = templates.current();
                return t == null ? null : t.blockTemplate();
            }, nodes);
            // A Template Distribution client may say nothing for hours between solutions: no idle limit.
            // SubmitSolution carries a whole coinbase, which in-coinbase payout schemes make large.
            tdp = new Sv2Listener<>(new Sv2Listener.Options("tdp", TDP_MAX_INBOUND_PAYLOAD, Duration.ZERO,
                    Duration.ofSeconds(10), false), context.bans(), metrics,
                    OutboundLimit.ofCap(Math.max(config.outbound().hardCap(), TDP_MIN_OUTBOUND_CAP)), identity,
                    NoiseTransportConfig.defaults(),
                    (out, id) -> new TemplateProviderSession(provider, out, id))
                    .connectionPolicy(policy);
            tdpAddress = tdp.start(boss, workers, config.tdp().address());
            templates.addListener(t -> tdp.broadcast(s -> s.onTemplate(t.blockTemplate())));
        }
        // not "running" yet: the HTTP endpoints may still fail to bind; RunCommand prints the banner
        log.debug("pool core started: network {}, payout mode {}{}", config.network(), p.mode().ledgerName(),
                p.payoutAddress().map(a -> " to " + a).orElse(" (each miner's username is its address)"));
    }

    /** Refuses to mine against a node of another network than configured. */
    /**
     * Every node that answers must run the configured network. All are asked at once, and one that does
     * not answer within a few seconds is warned about rather than waited for: a hung node must not hold
     * up the start while another can give work (NodeGroup fails over to it).
     */
    private void checkNetwork() {
        String expected = switch (config.network()) {
            case MAINNET -> "main";
            case TESTNET -> "test";
            case SIGNET -> "signet";
            case REGTEST -> "regtest";
            default -> config.network().toString();
        };
        long waitMillis = Math.min(config.nodes().timeout().toMillis() + 1000, 5000);
        List<java.util.concurrent.CompletableFuture<JsonNode>> answers = new ArrayList<>();
        for (NodeClient node : nodes.nodes()) {
            answers.add(node.getBlockchainInfo());
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        for (int i = 0; i < answers.size(); i++) {
            NodeClient node = nodes.nodes().get(i);
            JsonNode info;
            try {
                info = answers.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                log.warn("cannot ask {} for its chain yet ({}); continuing, it is used when it answers", node.endpoint(),
                        e.getMessage() == null ? e.toString() : e.getMessage());
                continue;
            }
            String chain = info.path("chain").asText();
            if (!chain.equals(expected) && !(config.network() == BitcoinNetwork.TESTNET && chain.startsWith("test"))) {
                throw new ConfigException("the node at " + node.endpoint() + " runs chain '" + chain
                        + "' but network is configured as " + config.network());
            }
        }
    }

    public TemplarConfig config() {
        return config;
    }

    /** The vardiff rules new connections and channels start with (changed by {@link #reload()}). */
    public org.templar.pool.core.VardiffSettings vardiff() {
        return context.vardiff();
    }

    /**
     * Where {@link #reload()} re-reads the configuration: {@code source} loads {@code file} (if any)
     * with the same command-line overrides the pool was started with.
     */
    public synchronized void reloadFrom(Optional<Path> file, java.util.function.Supplier<TemplarConfig> source) {
        this.reloadFile = Objects.requireNonNull(file, "file");
        this.reloadSource = Objects.requireNonNull(source, "source");
    }

    /** The configuration file {@link #reload()} reads, if the pool was started from one. */
    public synchronized Optional<Path> reloadFile() {
        return reloadFile;
    }

    /** What one {@link #reload()} found: each changed key with "applied" or "needs a restart". */
    public record Reload(Optional<Path> file, java.util.Map<String, String> changes) {}

    /**
     * Re-reads the configuration and applies what can change live: the vardiff rules (for
     * connections and channels opened from now on), the webhook URLs, and the coinbase settings of
     * the next templates (pool tag, coinbase size cap, shares per job). Keys bound at start-up are
     * reported as needing a restart and left as they are.
     *
     * @throws org.templar.ops.config.ConfigException the file has errors: nothing is applied
     * @throws IllegalStateException the pool was not given a configuration source
     */
    public synchronized Reload reload() {
        if (reloadSource == null) {
            throw new IllegalStateException("this pool was started without a configuration to re-read");
        }
        TemplarConfig next = reloadSource.get();
        TemplarConfig now = config;
        java.util.Map<String, String> changes = ConfigReload.diff(now, next);
        context.vardiff(next.vardiff());
        webhook.urls(next.webhooks());
        TemplarConfig.Pool p = next.pool();
        templates.settings(new JobSettings(p.tag(), p.maxCoinbaseSize(), p.sharesPerJob()));
        config = ConfigReload.merged(now, next);
        if (changes.isEmpty()) {
            log.info("reload: {} unchanged", reloadFile.map(Path::toString).orElse("the configuration"));
        } else {
            changes.forEach((key, what) -> log.info("reload: {} {}", key, what));
        }
        return new Reload(reloadFile, changes);
    }

    /** Live hashrate, best shares and share outcomes per worker, account and pool. */
    public ShareStats stats() {
        return stats;
    }

    /** The audit share log, when audit.share_log is set. */
    public Optional<ShareLogWriter> shareLog() {
        return Optional.ofNullable(shareLog);
    }

    public Ledger ledger() {
        return ledger;
    }

    /** Compaction of old shares into aggregates (run periodically by the leader, or by `templar ledger compact`). */
    public org.templar.payout.ShareRetention retention() {
        return retention;
    }

    /** This instance's number and leadership among the instances sharing the ledger database. */
    public PoolInstances instance() {
        return instance;
    }

    public NodeGroup nodes() {
        return nodes;
    }

    public TemplateSource templates() {
        return templates;
    }

    public PoolContext context() {
        return context;
    }

    public Optional<RegtestNode> embeddedNode() {
        return Optional.ofNullable(embeddedNode);
    }

    public Optional<Sv1Server> sv1() {
        return Optional.ofNullable(sv1);
    }

    /** The bound {@code stratum+ssl://} address, or null when sv1.tls_listen is off. */
    public InetSocketAddress sv1TlsAddress() {
        return sv1TlsAddress;
    }

    public InetSocketAddress sv1Address() {
        return sv1Address;
    }

    public Optional<Sv2Server> sv2() {
        return Optional.ofNullable(sv2);
    }

    public Optional<Sv2Listener<TemplateProviderSession>> tdp() {
        return Optional.ofNullable(tdp);
    }

    public InetSocketAddress tdpAddress() {
        return tdpAddress;
    }

    public Optional<Sv2Listener<JdsSession>> jds() {
        return Optional.ofNullable(jds);
    }

    /** The Job Declaration Server's bound address, or null when it is off. */
    public InetSocketAddress jdsAddress() {
        return jdsAddress;
    }

    public Optional<JobDeclarations> jobDeclarations() {
        return Optional.ofNullable(declarations);
    }

    public InetSocketAddress sv2Address() {
        return sv2Address;
    }

    /** The key that signs the SV2 certificates (present when SV2 is enabled). */
    public Optional<AuthorityKeyPair> authority() {
        return Optional.ofNullable(authority);
    }

    /** Where the pool keeps (and on first start creates) its SV2 authority secret key. */
    public static Path authorityKeyFile(Path dataDir) {
        return AuthorityKeyPair.fileIn(dataDir);
    }

    public Path dataDir() {
        return config.dataDir();
    }

    /**
     * Stops in the order that loses nothing: ask miners to come back later, stop listening, stop new
     * work, let the ledger drain its queue, stop the node.
     */
    @Override
    public void close() {
        if (sv1 != null) {
            try {
                // a wildcard listen address means nothing to a miner: then just "reconnect to us"
                String host = sv1Address.getAddress().isAnyLocalAddress() ? null : sv1Address.getHostString();
                sv1.reconnectAll(host, sv1Address.getPort(), 5);
                sv1.close();
            } catch (RuntimeException e) {
                log.warn("closing SV1: {}", e.toString());
            }
        }
        if (declarations != null) {
            declarations.mempool().stop();
        }
        if (jds != null) {
            try {
                jds.close();
            } catch (RuntimeException e) {
                log.warn("closing the JDS: {}", e.toString());
            }
        }
        if (sv2 != null) {
            try {
                sv2.reconnectAll("", 0); // empty host, port 0: come back to this same endpoint
                sv2.close();
            } catch (RuntimeException e) {
                log.warn("closing SV2: {}", e.toString());
            }
        }
        if (tdp != null) {
            try {
                tdp.close();
            } catch (RuntimeException e) {
                log.warn("closing the Template Distribution listener: {}", e.toString());
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
