package org.templar.client.proxy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.bitcoinj.base.BitcoinNetwork;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.VardiffSettings;
import org.templar.pool.node.NodeEndpoint;

/**
 * What `templar proxy` runs with.
 *
 * @param node the miner's own node (getblocktemplate, submitblock; ZMQ hashblock if given)
 * @param network the node's network; the solo address must belong to it
 * @param soloAddress where the coinbase pays when the proxy mines solo (no pool, or the pool is gone)
 * @param sv1Listen where the miner's SV1 hardware connects
 * @param dataDir the proxy's local ledger of its miners' shares and blocks
 * @param policy the miner's transaction policy applied to every template
 * @param vardiff difficulty rules for the downstream miners
 * @param tag text put in the coinbase scriptSig (solo jobs only: declared jobs carry none)
 * @param pools the pools to mine for on the miner's own templates (Job Declaration), in priority order: the
 *     first that works is mined, the next when it fails, solo when all do; empty for solo only
 * @param tdp a Template Distribution provider to take templates from instead of the node's
 *     getblocktemplate; with it {@code node} is optional (null), and when given only takes the blocks too
 * @param sv2Listen where the miner's SV2 machines connect (Noise-encrypted, authenticated by the proxy's own
 *     authority key in {@code dataDir}), or empty for SV1 only
 */
public record ProxyConfig(
        NodeEndpoint node,
        BitcoinNetwork network,
        String soloAddress,
        InetSocketAddress sv1Listen,
        Path dataDir,
        TxPolicy policy,
        VardiffSettings vardiff,
        String tag,
        Duration nodeTimeout,
        Duration pollInterval,
        Duration refreshInterval,
        List<PoolUpstream.Config> pools,
        java.util.Optional<TdpClient.Config> tdp,
        java.util.Optional<InetSocketAddress> sv2Listen) {
    public ProxyConfig {
        pools = List.copyOf(pools);
        Objects.requireNonNull(sv2Listen, "sv2Listen");
        Objects.requireNonNull(tdp, "tdp");
        if (tdp.isEmpty()) {
            Objects.requireNonNull(node, "node");
        } else if (!policy.isNone()) {
            throw new IllegalArgumentException("a transaction policy cannot be applied to templates from a template"
                    + " provider (its solutions must keep the provider's transactions); drop the policy flags or use --node");
        }
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(sv1Listen, "sv1Listen");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(vardiff, "vardiff");
        Objects.requireNonNull(tag, "tag");
        try {
            Authorizer.planFor(network, Objects.requireNonNull(soloAddress, "soloAddress"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--solo-address '" + soloAddress + "' is not a " + network
                    + " address: " + e.getMessage(), e);
        }
    }

    /** Regtest defaults for everything but the node, the address and where to listen and store. */
    public static ProxyConfig of(NodeEndpoint node, BitcoinNetwork network, String soloAddress, InetSocketAddress sv1Listen,
            Path dataDir) {
        return new ProxyConfig(node, network, soloAddress, sv1Listen, dataDir, TxPolicy.none(),
                network == BitcoinNetwork.REGTEST ? VardiffSettings.regtest() : VardiffSettings.mainnet(), "/templar-proxy/",
                Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(30), List.of(),
                java.util.Optional.empty(), java.util.Optional.empty());
    }

    /** Regtest defaults, templates from a Template Distribution provider and no node of the miner's own. */
    public static ProxyConfig ofTdp(TdpClient.Config tdp, BitcoinNetwork network, String soloAddress,
            InetSocketAddress sv1Listen, Path dataDir) {
        return new ProxyConfig(null, network, soloAddress, sv1Listen, dataDir, TxPolicy.none(),
                network == BitcoinNetwork.REGTEST ? VardiffSettings.regtest() : VardiffSettings.mainnet(), "/templar-proxy/",
                Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(30), List.of(),
                java.util.Optional.of(tdp), java.util.Optional.empty());
    }

    public ProxyConfig withPolicy(TxPolicy p) {
        return new ProxyConfig(node, network, soloAddress, sv1Listen, dataDir, p, vardiff, tag, nodeTimeout, pollInterval,
                refreshInterval, pools, tdp, sv2Listen);
    }

    public ProxyConfig withRefreshInterval(Duration d) {
        return new ProxyConfig(node, network, soloAddress, sv1Listen, dataDir, policy, vardiff, tag, nodeTimeout,
                pollInterval, d, pools, tdp, sv2Listen);
    }

    /** Mines for this one pool (solo when it fails). */
    public ProxyConfig withPool(PoolUpstream.Config p) {
        return withPools(List.of(p));
    }

    /** Mines for the first of these pools that works (solo when all fail). */
    public ProxyConfig withPools(List<PoolUpstream.Config> p) {
        return new ProxyConfig(node, network, soloAddress, sv1Listen, dataDir, policy, vardiff, tag, nodeTimeout,
                pollInterval, refreshInterval, p, tdp, sv2Listen);
    }

    public ProxyConfig withTag(String t) {
        return new ProxyConfig(node, network, soloAddress, sv1Listen, dataDir, policy, vardiff, t, nodeTimeout,
                pollInterval, refreshInterval, pools, tdp, sv2Listen);
    }

    /** Templates from a Template Distribution provider; {@code ownNode} (may be null) only takes blocks too. */
    public ProxyConfig withTdp(TdpClient.Config t, NodeEndpoint ownNode) {
        return new ProxyConfig(ownNode, network, soloAddress, sv1Listen, dataDir, policy, vardiff, tag, nodeTimeout,
                pollInterval, refreshInterval, pools, java.util.Optional.of(t), sv2Listen);
    }

    /** Also serve SV2 machines at {@code bind} (port 0: the OS chooses). */
    public ProxyConfig withSv2Listen(InetSocketAddress bind) {
        return new ProxyConfig(node, network, soloAddress, sv1Listen, dataDir, policy, vardiff, tag, nodeTimeout,
                pollInterval, refreshInterval, pools, tdp, java.util.Optional.of(bind));
    }
}
