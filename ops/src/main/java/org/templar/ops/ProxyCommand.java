package org.templar.ops;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.bitcoinj.base.BitcoinNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.client.proxy.ProxyConfig;
import org.templar.client.proxy.TemplarProxy;
import org.templar.client.proxy.TxPolicy;
import org.templar.ops.config.ConfigException;
import org.templar.pool.node.NodeEndpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `templar proxy`: the miner's site: templates from the miner's own node, served to its SV1 and SV2 machines. */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = "Serve your SV1 and SV2 miners work built from your own node's templates (or a Stratum V2 template"
                + " provider's, --tdp), with your transaction policy;"
                + " mine for Stratum V2 pools on them (Job Declaration; --pool, then any --fallback-pool) or solo to"
                + " --solo-address (also when no pool is usable);"
                + " blocks go straight to your node.")
final class ProxyCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ProxyCommand.class);

    @Option(names = "--node",
            description = "your node's JSON-RPC: http://USER:PASSWORD@HOST:PORT (Bitcoin Core or `templar node`);"
                    + " with --tdp it only takes your blocks too")
    String node;

    @Option(names = "--tdp", description = "take templates from a Stratum V2 Template Provider HOST:PORT (e.g. `templar run`"
            + " with tdp.listen) instead of your node's getblocktemplate; needs --tdp-authority")
    String tdp;

    @Option(names = "--tdp-authority", description = "the template provider's authority public key")
    String tdpAuthority;

    @Option(names = "--zmq", description = "your node's ZMQ hashblock endpoint, e.g. tcp://127.0.0.1:28332"
            + " (without it the proxy polls the node every 100 ms)")
    String zmq;

    @Option(names = "--network", defaultValue = "regtest", description = "regtest | testnet | signet | mainnet (default ${DEFAULT-VALUE})")
    String network;

    @Option(names = "--solo-address", required = true, description = "the address every block's coinbase pays")
    String soloAddress;

    @Option(names = "--listen", defaultValue = "0.0.0.0:3333", description = "where your SV1 miners connect (default ${DEFAULT-VALUE})")
    String listen;

    @Option(names = "--sv2-listen", defaultValue = "0.0.0.0:3336", description = "where your Stratum V2 miners connect"
            + " (Noise-encrypted; they pin the authority key the proxy prints at start, kept in --data-dir), or 'off'"
            + " (default ${DEFAULT-VALUE})")
    String sv2Listen;

    @Option(names = "--data-dir", defaultValue = "./proxy-data", description = "local record of shares and blocks (default ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--exclude-txid", split = ",", description = "leave these transactions (txid, display hex) out of your blocks")
    List<String> excludeTxids = List.of();

    @Option(names = "--exclude-script", split = ",", description = "leave out transactions paying to these output scripts (hex)")
    List<String> excludeScripts = List.of();

    @Option(names = "--min-fee-rate", defaultValue = "0", description = "leave out transactions paying less than this many sat/vB (default ${DEFAULT-VALUE})")
    double minFeeRate;

    @Option(names = "--max-block-weight", defaultValue = "0",
            description = "cap the block's weight, 4000 of it kept for header and coinbase (default 0: the node's choice)")
    int maxBlockWeight;

    @Option(names = "--tag", defaultValue = "/templar-proxy/", description = "text in the coinbase (default ${DEFAULT-VALUE})")
    String tag;

    @Option(names = "--pool", description = "the pool's Stratum V2 mining endpoint HOST:PORT: mine for it on your own"
            + " templates (Job Declaration); needs --pool-jds and --pool-authority")
    String pool;

    @Option(names = "--pool-jds", description = "the pool's Job Declaration Server HOST:PORT")
    String poolJds;

    @Option(names = "--pool-authority", description = "the pool's authority public key (as `templar run` prints it)")
    String poolAuthority;

    @Option(names = "--pool-user", description = "the account the pool credits (default: --solo-address)")
    String poolUser;

    @Option(names = "--fallback-pool", paramLabel = "HOST:PORT,jds=HOST:PORT,authority=KEY[,user=NAME]",
            description = "another pool (its mining endpoint, JDS, authority key and account, default --solo-address)"
                    + " mined while the ones before it fail; repeatable, in priority order after --pool. The proxy"
                    + " returns to the first pool that works again; solo when none does")
    List<String> fallbackPools = List.of();

    @Option(names = "--coinbase-only", description = "declare to every pool in Coinbase-only mode: the pool sees your"
            + " coinbase only, never your transactions (SetupConnection without DECLARE_TX_DATA). A pool whose policy"
            + " refuses the mode is not used (logged; your miners go to the next pool or solo); the proxy never"
            + " switches to Full-Template by itself")
    boolean coinbaseOnly;

    @Option(names = "--pool-timeout", defaultValue = "3", description = "seconds the pool may take to answer before"
            + " the proxy mines solo (default ${DEFAULT-VALUE})")
    int poolTimeoutSeconds;

    @Option(names = "--pool-retry", defaultValue = "5", description = "seconds between attempts to return to a pool"
            + " (doubling while it keeps failing, up to 8x; default ${DEFAULT-VALUE})")
    int poolRetrySeconds;

    /** The proxy's configuration from the flags, or a {@link ConfigException} naming the bad flag. */
    ProxyConfig config() {
        BitcoinNetwork net = switch (network.toLowerCase(Locale.ROOT)) {
            case "regtest" -> BitcoinNetwork.REGTEST;
            case "testnet", "testnet3", "testnet4" -> BitcoinNetwork.TESTNET;
            case "signet" -> BitcoinNetwork.SIGNET;
            case "mainnet", "main", "bitcoin" -> BitcoinNetwork.MAINNET;
            default -> throw new ConfigException("--network: '" + network + "' is not regtest, testnet, signet or mainnet");
        };
        if (node == null && tdp == null) {
            throw new ConfigException("templates come from --node (your node's getblocktemplate) or --tdp (a template"
                    + " provider); give one");
        }
        if ((tdp == null) != (tdpAuthority == null)) {
            throw new ConfigException("a template provider needs --tdp and --tdp-authority together");
        }
        if (tdp != null && zmq != null) {
            throw new ConfigException("--zmq: with --tdp the template provider announces new blocks; drop --zmq");
        }
        if (tdp != null && (!excludeTxids.isEmpty() || !excludeScripts.isEmpty() || minFeeRate != 0 || maxBlockWeight != 0)) {
            throw new ConfigException("--exclude-txid, --exclude-script, --min-fee-rate and --max-block-weight apply to"
                    + " your node's templates, not to a template provider's (its solutions must keep its transactions)");
        }
        NodeEndpoint endpoint = null;
        if (node != null) {
            try {
                endpoint = NodeEndpoint.parse(node, Optional.ofNullable(zmq));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--node: " + e.getMessage());
            }
        }
        java.util.Optional<org.templar.client.proxy.TdpClient.Config> tdpConfig = java.util.Optional.empty();
        if (tdp != null) {
            org.templar.pool.sv2.noise.AuthorityPublicKey tdpKey;
            try {
                tdpKey = org.templar.pool.sv2.noise.AuthorityPublicKey.parse(tdpAuthority);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--tdp-authority: '" + tdpAuthority + "' is not an authority public key ("
                        + e.getMessage() + ")");
            }
            tdpConfig = java.util.Optional.of(new org.templar.client.proxy.TdpClient.Config(hostPort("--tdp", tdp), tdpKey));
        }
        InetSocketAddress bind = hostPort("--listen", listen);
        Optional<InetSocketAddress> sv2Bind = sv2Listen.equalsIgnoreCase("off") ? Optional.empty()
                : Optional.of(hostPort("--sv2-listen", sv2Listen));
        TxPolicy policy;
        try {
            policy = new TxPolicy(Set.copyOf(excludeTxids), Set.copyOf(excludeScripts), minFeeRate, maxBlockWeight);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("transaction policy: " + e.getMessage());
        }
        try {
            ProxyConfig base = tdpConfig.isPresent()
                    ? ProxyConfig.ofTdp(tdpConfig.get(), net, soloAddress, bind, dataDir).withTdp(tdpConfig.get(), endpoint)
                    : ProxyConfig.of(endpoint, net, soloAddress, bind, dataDir).withPolicy(policy);
            if (pool == null && coinbaseOnly) {
                throw new ConfigException("--coinbase-only: it is how the proxy declares to a pool; give --pool, --pool-jds"
                        + " and --pool-authority too");
            }
            if (pool == null && !fallbackPools.isEmpty()) {
                throw new ConfigException("--fallback-pool: a fallback comes after a first pool; give --pool, --pool-jds"
                        + " and --pool-authority too");
            }
            if (pool != null || poolJds != null || poolAuthority != null) {
                if (pool == null || poolJds == null || poolAuthority == null) {
                    throw new ConfigException("mining for a pool needs --pool, --pool-jds and --pool-authority together");
                }
                org.templar.pool.sv2.noise.AuthorityPublicKey key;
                try {
                    key = org.templar.pool.sv2.noise.AuthorityPublicKey.parse(poolAuthority);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("--pool-authority: '" + poolAuthority + "' is not an authority public key ("
                            + e.getMessage() + ")");
                }
                if (poolTimeoutSeconds < 1 || poolRetrySeconds < 1) {
                    throw new ConfigException("--pool-timeout and --pool-retry must be at least 1 second");
                }
                var timeout = java.time.Duration.ofSeconds(poolTimeoutSeconds);
                var retry = java.time.Duration.ofSeconds(poolRetrySeconds);
                List<org.templar.client.proxy.PoolUpstream.Config> pools = new java.util.ArrayList<>();
                pools.add(new org.templar.client.proxy.PoolUpstream.Config(hostPort("--pool-jds", poolJds),
                        hostPort("--pool", pool), key, poolUser == null ? soloAddress : poolUser, timeout, retry));
                for (String f : fallbackPools) {
                    pools.add(fallbackPool(f, timeout, retry));
                }
                base = base.withPools(pools.stream().map(p -> p.withCoinbaseOnly(coinbaseOnly)).toList());
            }
            base = base.withTag(tag);
            return sv2Bind.isPresent() ? base.withSv2Listen(sv2Bind.get()) : base;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** One {@code --fallback-pool HOST:PORT,jds=HOST:PORT,authority=KEY[,user=NAME]}. */
    private org.templar.client.proxy.PoolUpstream.Config fallbackPool(String value, java.time.Duration timeout,
            java.time.Duration retry) {
        String flag = "--fallback-pool '" + value + "'";
        String[] parts = value.split(",", -1);
        java.util.Map<String, String> fields = new java.util.HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            String name = eq < 0 ? parts[i] : parts[i].substring(0, eq).trim();
            if (eq < 0 || !Set.of("jds", "authority", "user").contains(name)) {
                throw new ConfigException(flag + ": '" + parts[i] + "' is not jds=HOST:PORT, authority=KEY or user=NAME");
            }
            if (fields.put(name, parts[i].substring(eq + 1).trim()) != null) {
                throw new ConfigException(flag + ": " + name + "= is given twice");
            }
        }
        for (String needed : List.of("jds", "authority")) {
            if (fields.getOrDefault(needed, "").isEmpty()) {
                throw new ConfigException(flag + ": missing " + needed + "= (expected"
                        + " HOST:PORT,jds=HOST:PORT,authority=KEY[,user=NAME])");
            }
        }
        org.templar.pool.sv2.noise.AuthorityPublicKey key;
        try {
            key = org.templar.pool.sv2.noise.AuthorityPublicKey.parse(fields.get("authority"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(flag + ": authority '" + fields.get("authority") + "' is not an authority public key ("
                    + e.getMessage() + ")");
        }
        String user = fields.getOrDefault("user", "");
        return new org.templar.client.proxy.PoolUpstream.Config(hostPort(flag + ": jds", fields.get("jds")),
                hostPort(flag + ": the mining endpoint", parts[0].trim()), key, user.isEmpty() ? soloAddress : user,
                timeout, retry);
    }

    private static InetSocketAddress hostPort(String flag, String value) {
        int colon = value.lastIndexOf(':');
        try {
            int port = Integer.parseInt(value.substring(colon + 1));
            if (colon <= 0 || port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(value.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new ConfigException(flag + ": '" + value + "' is not HOST:PORT");
        }
    }

    @Override
    public Integer call() throws Exception {
        TemplarProxy proxy;
        try {
            proxy = TemplarProxy.start(config());
        } catch (java.net.BindException e) {
            throw new ConfigException(e.getMessage() + ": stop what holds it or choose another port with "
                    + (e.getMessage().startsWith("SV2") ? "--sv2-listen (or --sv2-listen off for SV1 only)" : "--listen"));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down");
            proxy.close();
            stopped.countDown();
        }, "shutdown"));
        log.info("point your miners at stratum+tcp://HOST:{}{} (any username; {})", proxy.sv1Address().getPort(),
                proxy.sv2Address().map(a -> " or stratum2+tcp://HOST:" + a.getPort() + "/"
                        + proxy.authority().orElseThrow().toBase58()).orElse(""),
                pool == null ? "blocks pay " + soloAddress : "mining for the pool at " + pool
                        + (coinbaseOnly ? " in Coinbase-only mode" : "")
                        + (fallbackPools.isEmpty() ? "" : " (then " + fallbackPools.size() + " fallback pool(s))")
                        + ", solo to " + soloAddress + " whenever no pool is usable");
        stopped.await();
        return 0;
    }
}
