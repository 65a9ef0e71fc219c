package org.templar.ops;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.templar.ops.config.ConfigLoader;
import org.templar.ops.config.TemplarConfig;
import picocli.CommandLine.Option;

/** The command-line flags that override configuration keys (the file's names in brackets). */
final class ConfigOptions {
    @Option(names = {"-c", "--config"}, description = "TOML configuration file (templar.toml)")
    Path configFile;

    @Option(names = "--network", description = "regtest | testnet | signet | mainnet [network]")
    String network;

    @Option(names = "--data-dir", description = "data directory [data_dir]")
    String dataDir;

    @Option(names = "--node", description = "Bitcoin Core RPC URL http://user:pass@host:port, repeatable [node.urls]")
    List<String> nodes = new ArrayList<>();

    @Option(names = "--zmq", description = "ZMQ hashblock endpoint of the first node [node.zmq_hashblock]")
    String zmq;

    @Option(names = "--mode", description = "solo | pool [pool.payout_mode]")
    String mode;

    @Option(names = "--payout-address", description = "operator's address for pool mode [pool.payout_address]")
    String payoutAddress;

    @Option(names = "--pool-tag", description = "coinbase tag [pool.tag]")
    String tag;

    @Option(names = "--sv1", description = "SV1 host:port or off [sv1.listen]")
    String sv1;

    @Option(names = "--sv2", description = "SV2 host:port or off [sv2.listen]")
    String sv2;

    @Option(names = "--metrics", description = "Prometheus host:port or off [metrics.listen]")
    String metrics;

    @Option(names = "--admin", description = "admin API host:port [admin.listen]")
    String admin;

    @Option(names = "--set", description = "any key=value, e.g. --set vardiff.initial=0.01 (repeatable)")
    Map<String, String> extra = new LinkedHashMap<>();

    TemplarConfig load() {
        return ConfigLoader.load(file().orElse(null), overrides());
    }

    /** The configuration file: --config, else ./templar.toml if there is one. */
    java.util.Optional<Path> file() {
        Path file = configFile;
        if (file == null && Path.of("templar.toml").toFile().isFile()) {
            file = Path.of("templar.toml");
        }
        return java.util.Optional.ofNullable(file);
    }

    /** The keys set on the command line; they win over the file's. */
    Map<String, String> overrides() {
        Map<String, String> o = new LinkedHashMap<>();
        put(o, "network", network);
        put(o, "data_dir", dataDir);
        if (!nodes.isEmpty()) {
            o.put("node.urls", String.join(",", nodes));
        }
        put(o, "node.zmq_hashblock", zmq);
        put(o, "pool.payout_mode", mode);
        put(o, "pool.payout_address", payoutAddress);
        put(o, "pool.tag", tag);
        put(o, "sv1.listen", sv1);
        put(o, "sv2.listen", sv2);
        put(o, "metrics.listen", metrics);
        put(o, "admin.listen", admin);
        o.putAll(extra);
        return o;
    }

    private static void put(Map<String, String> o, String key, String value) {
        if (value != null) {
            o.put(key, value);
        }
    }
}
