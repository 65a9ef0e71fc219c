package org.templar.ops.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bitcoinj.base.BitcoinNetwork;
import org.templar.pool.core.PayoutMode;
import org.templar.pool.core.VardiffSettings;
import org.templar.pool.node.NodeEndpoint;
import org.templar.pool.sv2.jds.JdsSettings;
import org.templar.pool.transport.OutboundLimit;

/**
 * The whole validated configuration of a Templar process. Built only by {@link ConfigLoader}, which
 * fills every default and refuses bad values; nothing here can be half-configured.
 */
public record TemplarConfig(
        BitcoinNetwork network,
        Path dataDir,
        Pool pool,
        Nodes nodes,
        Listen sv1,
        int sv1MaxLineLength,
        Duration sv1IdleTimeout,
        Listen sv2,
        Optional<Path> sv2AuthorityKeyFile,
        VardiffSettings vardiff,
        Database database,
        Listen metrics,
        Listen admin,
        Optional<String> adminToken,
        EmbeddedNode embeddedNode,
        Optional<Path> shareLog,
        Listen tdp,
        Jds jds,
        OutboundLimit outbound,
        Http http,
        List<java.net.URI> webhooks,
        Sv1Tls sv1Tls,
        org.templar.pool.transport.TrustedProxies proxyProtocolFrom,
        Policy policy) {

    /**
     * Limits and abuse policy: connection caps over every Stratum listener ({@code limits.max_connections*}),
     * the SV1 subscribe+authorize deadline, automatic bans ({@code bans.*}) and the operators' log rate.
     */
    public record Policy(int maxConnections, int maxConnectionsPerIp, Duration sv1SetupTimeout,
            org.templar.pool.core.AutoBanSettings bans, double logLinesPerSecond) {}

    /**
     * Stratum V1 over TLS ({@code stratum+ssl://}) on its own port. Without both files a self-signed
     * pair under the data directory is used (made on first start).
     */
    public record Sv1Tls(Listen listen, Optional<Path> certFile, Optional<Path> keyFile) {}

    /**
     * The Job Declaration Server: its listener (it runs only with the SV2 listener, whose authority
     * key and custom jobs it shares) and the operator's policy.
     */
    public record Jds(Listen listen, JdsSettings settings) {}

    /**
     * Pool identity and coinbase rules.
     *
     * @param instance this instance's number among several on one database (pool.instance); empty:
     *     the lowest free number is claimed at start
     */
    public record Pool(PayoutMode mode, Optional<String> payoutAddress, String tag, int maxCoinbaseSize,
            int extranonce2Size, int versionMask, int sharesPerJob, Payout payout, java.util.OptionalInt instance) {
        public Pool(PayoutMode mode, Optional<String> payoutAddress, String tag, int maxCoinbaseSize, int extranonce2Size,
                int versionMask, int sharesPerJob, Payout payout) {
            this(mode, payoutAddress, tag, maxCoinbaseSize, extranonce2Size, versionMask, sharesPerJob, payout,
                    java.util.OptionalInt.empty());
        }
    }

    /**
     * How found blocks become miners' money.
     *
     * @param scheme the scheme the block tracker credits with
     * @param orphanDepth blocks the chain must be past a missing block before it is orphaned
     * @param trackInterval how often the tracker asks the node about the pool's blocks
     * @param thresholdSats custodial schemes: the available balance an account needs to join a payout batch
     */
    public record Payout(org.templar.payout.scheme.PayoutScheme scheme, int orphanDepth, Duration trackInterval,
            long thresholdSats) {}

    /** Nodes to use; empty means: start the embedded regtest node. */
    public record Nodes(List<NodeEndpoint> endpoints, Duration pollInterval, Duration refreshInterval, Duration timeout,
            Duration failover) {
        public boolean embedded() {
            return endpoints.isEmpty();
        }
    }

    /** A listening address; {@code enabled=false} turns the listener off. */
    public record Listen(boolean enabled, InetSocketAddress address) {}

    /**
     * The ledger's database. Empty url = embedded H2 under the data directory.
     *
     * @param queueCapacity shares that may wait for the database before miners are answered "busy"
     * @param retainAge ledger.retain_days: no share younger than this is compacted into aggregates
     * @param compactInterval ledger.compact_minutes: how often the leading instance compacts; zero = never
     * @param writers database.writers: share writer threads; 0 for the database's default
     *     ({@code LedgerConfig.defaultWriters})
     */
    public record Database(Optional<String> url, String user, String password, int queueCapacity, Duration retainAge,
            Duration compactInterval, int writers) {
        public Database(Optional<String> url, String user, String password, int queueCapacity) {
            this(url, user, password, queueCapacity, org.templar.payout.ShareRetention.DEFAULT_MINIMUM_AGE, Duration.ofHours(1), 0);
        }
    }

    /**
     * Limits of the metrics and admin HTTP listeners: a whole request (headers and body) must arrive
     * within {@code requestTimeout} of connecting or of the previous answer, or the connection is closed.
     */
    public record Http(Duration requestTimeout, int maxConnections, int maxRequestBytes) {}

    public record EmbeddedNode(int rpcPort, int zmqPort, String rpcUser, String rpcPassword) {}
}
