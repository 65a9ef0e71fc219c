package org.templar.ops.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.bitcoinj.base.BitcoinNetwork;
import org.templar.payout.scheme.PayoutScheme;
import org.templar.payout.scheme.PayoutScheme.SchemeKind;
import org.templar.payout.scheme.PoolFee;
import org.templar.payout.scheme.Pplns;
import org.templar.payout.scheme.Pps;
import org.templar.payout.scheme.Prop;
import org.templar.payout.scheme.Solo;
import org.templar.payout.scheme.Tides;
import org.templar.pool.core.Authorizer;
import org.templar.pool.core.PayoutMode;
import org.templar.pool.core.VardiffSettings;
import org.templar.pool.sv2.jds.JdsSettings;
import org.templar.pool.node.NodeEndpoint;
import org.templar.pool.transport.OutboundLimit;

/**
 * Reads {@code templar.toml} (optional) plus command-line overrides (dotted keys, same names as in the
 * file) into a validated {@link TemplarConfig}. Every key has a default; defaults follow the network
 * (regtest difficulty suits a CPU, mainnet an ASIC). Unknown keys and bad values are refused with the
 * key, the value and what is expected. Secrets may come from files ({@code *_file} keys).
 */
public final class ConfigLoader {
    /** Every key the file may hold, with a one-line description (printed by `templar config keys`). */
    public static final Map<String, String> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("network", "regtest | testnet | signet | mainnet (default regtest)");
        KEYS.put("data_dir", "directory for the database, keys and the embedded node's chain (default ./data)");
        KEYS.put("pool.payout_mode", "solo | pool (default: pool when pool.payout_address is set, else solo)");
        KEYS.put("pool.payout_address", "the operator's address that pool-mode coinbases pay");
        KEYS.put("pool.tag", "text in every coinbase scriptSig (default /Templar/)");
        KEYS.put("pool.max_coinbase_size", "cap on coinbase bytes for miner firmware (default 730)");
        KEYS.put("pool.extranonce2_size", "bytes miners roll in the coinbase, 2..16 (default 4)");
        KEYS.put("pool.version_mask", "hex version-rolling mask offered to miners (default 1fffe000)");
        KEYS.put("pool.instance", "this instance's number, 0..63, when several share one PostgreSQL (default: the lowest free one, claimed at start)");
        KEYS.put("pool.shares_per_job", "shares remembered per job for duplicate detection; a full job gets fresh work (default 1048576)");
        KEYS.put("pool.payout_scheme", "how blocks are shared: solo (solo mode), pplns, prop, pps, fpps or tides (pool mode); default solo / pplns");
        KEYS.put("pool.fee_percent", "pool fee for pplns, prop, pps, fpps and tides, e.g. 1.5 (default 0)");
        KEYS.put("payout.threshold_sats", "custodial schemes: available balance at which `templar payouts batch` pays an account (default 1000000)");
        KEYS.put("pool.tides_window", "TIDES window as a multiple of the network difficulty (default 8)");
        KEYS.put("pool.dust_sats", "TIDES: amounts below this are carried to a later coinbase, not paid (default 10000)");
        KEYS.put("pool.donation_address", "TIDES: the address of the donation output");
        KEYS.put("pool.donation_percent", "TIDES: percent of each block to the donation address, e.g. 0.5 (default 0)");
        KEYS.put("pool.pplns_window", "PPLNS window as a multiple of the network difficulty (default 2)");
        KEYS.put("pool.orphan_depth", "blocks the chain must be past a missing block before it is orphaned (default 6)");
        KEYS.put("pool.track_seconds", "how often found blocks are followed on the node (default 30)");
        KEYS.put("node.urls", "list of http://user:pass@host:port Bitcoin Core RPC URLs; empty = embedded regtest node");
        KEYS.put("node.password_file", "file holding the RPC password (overrides the URL's)");
        KEYS.put("node.zmq_hashblock", "ZMQ hashblock endpoint of the first node, e.g. tcp://127.0.0.1:28332");
        KEYS.put("node.poll_interval_ms", "getbestblockhash polling interval (default 100)");
        KEYS.put("node.refresh_seconds", "template refresh for new fees (default 30)");
        KEYS.put("node.timeout_ms", "RPC timeout (default 10000)");
        KEYS.put("node.failover_ms", "with several nodes: ask the next one too when a node has not answered within this, and demote it (default 1000)");
        KEYS.put("sv1.listen", "Stratum V1 host:port, or \"off\" (default 0.0.0.0:3333)");
        KEYS.put("sv1.max_line_length", "longest accepted SV1 line in bytes (default 16384)");
        KEYS.put("sv1.idle_timeout_seconds", "close SV1 connections silent this long (default 600)");
        KEYS.put("sv1.tls_listen", "Stratum V1 over TLS (stratum+ssl://) host:port, or \"off\" (default off)");
        KEYS.put("sv1.tls_cert_file", "PEM certificate (chain) for sv1.tls_listen (default DATA_DIR/sv1-tls.crt, self-signed, made on first start)");
        KEYS.put("sv1.tls_key_file", "PEM PKCS#8 private key for sv1.tls_cert_file (default DATA_DIR/sv1-tls.key, made with it)");
        KEYS.put("sv2.listen", "Stratum V2 host:port, or \"off\" (default 0.0.0.0:3336)");
        KEYS.put("tdp.listen", "Stratum V2 Template Distribution provider host:port (templates from the pool's node for other SV2 software), or \"off\" (default off)");
        KEYS.put("sv2.authority_key_file", "the SV2 authority key pair (default DATA_DIR/authority.key, created on first start)");
        KEYS.put("jds.listen", "Job Declaration Server host:port, or \"off\"; runs with the SV2 listener (default 0.0.0.0:3337)");
        KEYS.put("jds.min_pool_share", "Full-Template: least share (0..1] of a declared template's revenue the pool output must get (default 0.99)");
        KEYS.put("jds.token_lifetime_seconds", "how long a job token and a declared job stay usable (default 600)");
        KEYS.put("jds.tokens_per_minute", "AllocateMiningJobToken requests allowed per connection per minute (default 30)");
        KEYS.put("jds.declaration_timeout_seconds", "how long a declaration waits for missing transactions (default 30)");
        KEYS.put("jds.max_open_declarations", "declarations one connection may have open at once (being checked or waiting for transactions); more are refused with too-many-open-declarations (default 4)");
        KEYS.put("jds.mempool_max_age_ms", "how old the JDS's view of the node's mempool may be when a declaration names transactions the pool's template lacks (default 1000)");
        KEYS.put("jds.coinbase_only_min_share", "Coinbase-only mode: 0 refuses it (default); else least share (0..1] of the coinbase value for the pool output");
        KEYS.put("jds.coinbase_only_fee_ceiling_sats", "Coinbase-only mode: most fees a coinbase may claim above the subsidy (default 0)");
        KEYS.put("vardiff.initial", "starting share difficulty (regtest 0.001, mainnet 16384)");
        KEYS.put("vardiff.minimum", "lowest share difficulty, fractional allowed (regtest 0.00001, mainnet 1024)");
        KEYS.put("vardiff.maximum", "highest share difficulty");
        KEYS.put("vardiff.target_share_seconds", "aim: one share per connection every N seconds (default 10)");
        KEYS.put("vardiff.retarget_seconds", "how often vardiff re-evaluates (regtest 30, mainnet 60)");
        KEYS.put("database.url", "JDBC URL; empty = embedded H2 under data_dir");
        KEYS.put("database.user", "database user");
        KEYS.put("database.password", "database password");
        KEYS.put("database.password_file", "file holding the database password");
        KEYS.put("database.writers", "share batches written at once, one connection each; 0 = the database's default (2 on PostgreSQL, 1 on H2), up to 16");
        KEYS.put("database.queue_capacity", "accepted shares that may wait for the database; past it miners are told 'busy, resend' (default 65536)");
        KEYS.put("ledger.retain_days", "shares older than this (and outside every payout window, unsettled block and PPS credit) are compacted into hourly per-worker aggregates, 1..3650 (default 7)");
        KEYS.put("ledger.compact_minutes", "how often the leading instance compacts old shares; 0 = only by `templar ledger compact` (default 60)");
        KEYS.put("metrics.listen", "Prometheus exporter host:port, or \"off\" (default 0.0.0.0:9108)");
        KEYS.put("admin.listen", "admin API host:port (default 127.0.0.1:9109; keep it on loopback)");
        KEYS.put("admin.token_file", "file holding the admin API token (default DATA_DIR/admin.token, created)");
        KEYS.put("limits.outbound_cap_bytes", "close an SV1, SV2 or HTTP connection that owes its peer more than this many unread bytes, 65536.. (default 1048576)");
        KEYS.put("limits.proxy_protocol_from", "load balancers (IPs or CIDRs, e.g. [\"127.0.0.1/32\"]) that must send a PROXY v1/v2 header on the Stratum listeners; a header from anyone else is refused (default none)");
        KEYS.put("limits.max_connections", "open Stratum connections (SV1, SV1 TLS, SV2, JDS) at most; more are closed at once (default 50000)");
        KEYS.put("limits.max_connections_per_ip", "open Stratum connections from one address (after a trusted PROXY header) at most (default 1000)");
        KEYS.put("sv1.setup_timeout_seconds", "an SV1 connection must subscribe and authorize within this, or is closed (default 30)");
        KEYS.put("bans.enabled", "automatic bans of abusive addresses (default true)");
        KEYS.put("bans.auto_ban_seconds", "how long an automatic ban lasts (default 600)");
        KEYS.put("bans.window_seconds", "the sliding window the abuse counts below are taken over (default 60)");
        KEYS.put("bans.min_shares", "shares an address must send in the window before its invalid ratio counts (default 50)");
        KEYS.put("bans.max_invalid_percent", "ban an address when more than this % of its shares in the window are invalid (not stale) (default 90)");
        KEYS.put("bans.max_invalid_shares", "ban an address that sends this many invalid shares in the window, whatever the ratio (default 1000)");
        KEYS.put("bans.max_auth_failures", "ban an address after this many failed authorizations in the window (default 10)");
        KEYS.put("bans.max_protocol_errors", "ban an address after this many undecodable messages in the window (default 20)");
        KEYS.put("bans.kick_ban_seconds", "templar kick keeps the kicked worker's address out this long (default 60)");
        KEYS.put("log.max_lines_per_second", "operators' log (connects, disconnects, bans, kicks, abuse) rate limit; the rest is counted as suppressed (default 20)");
        KEYS.put("http.request_timeout_ms", "metrics/admin HTTP: a whole request must arrive within this of connecting or of the last answer (default 10000)");
        KEYS.put("http.max_connections", "metrics/admin HTTP: open connections per listener; more are answered 503 (default 64)");
        KEYS.put("http.max_request_bytes", "metrics/admin HTTP: largest request body (default 65536)");
        KEYS.put("notify.webhook_urls", "URLs that get a JSON POST when a block is found (Discord, Slack, ntfy...; default none)");
        KEYS.put("audit.share_log", "append every accepted share to this file for `templar audit` (default off)");
        KEYS.put("embedded_node.rpc_port", "RPC port of the embedded regtest node (default 18443, 0 = any)");
        KEYS.put("embedded_node.zmq_port", "ZMQ hashblock port of the embedded node (default 28332, 0 = any, -1 = off)");
        KEYS.put("embedded_node.rpc_user", "RPC user of the embedded node (default templar)");
        KEYS.put("embedded_node.rpc_password", "RPC password of the embedded node (default templar)");
    }

    /**
     * A single answer bigger than the cap would close even a peer that reads at once (a /metrics page is
     * tens of KiB), so the cap may not be set below this.
     */
    private static final int MIN_OUTBOUND_CAP = 64 * 1024;

    private final Map<String, Object> values = new LinkedHashMap<>();
    /** Every problem found; a configuration is judged whole, so the operator fixes all of them at once. */
    private final List<String> errors = new ArrayList<>();

    private ConfigLoader() {}

    /** Loads {@code file} (may be null: defaults only) and applies {@code overrides} (dotted key -> text). */
    public static TemplarConfig load(Path file, Map<String, String> overrides) {
        ConfigLoader l = new ConfigLoader();
        if (file != null) {
            l.readFile(file);
        }
        overrides.forEach((k, v) -> {
            if (l.checkKnown(k)) {
                l.values.put(k, v);
            }
        });
        TemplarConfig config = l.build();
        if (!l.errors.isEmpty()) {
            throw new ConfigException(l.errors);
        }
        return config;
    }

    private void readFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
        }
        JsonNode root;
        try {
            root = new TomlMapper().readTree(text);
        } catch (IOException e) {
            throw new ConfigException("configuration file " + file + " is not valid TOML: " + e.getMessage());
        }
        flatten("", root);
    }

    private void flatten(String prefix, JsonNode node) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject()) {
                flatten(key, e.getValue());
            } else {
                if (checkKnown(key)) {
                    values.put(key, e.getValue());
                }
            }
        }
    }

    private boolean checkKnown(String key) {
        if (KEYS.containsKey(key)) {
            return true;
        }
        errors.add("unknown configuration key '" + key + "'" + nearestKey(key).map(k -> "; did you mean '" + k + "'?")
                .orElse("; `templar config keys` lists them"));
        return false;
    }

    /**
     * The known key a typo most likely meant: the closest by edit distance (allowing about one slip in
     * four characters), or the same name in another section ({@code listen} under the wrong table).
     */
    public static Optional<String> nearestKey(String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : KEYS.keySet()) {
            int d = editDistance(key.toLowerCase(java.util.Locale.ROOT), k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        if (best != null && bestDistance <= Math.max(2, key.length() / 4)) {
            return Optional.of(best);
        }
        String last = key.substring(key.lastIndexOf('.') + 1);
        return KEYS.keySet().stream().filter(k -> k.endsWith("." + last) || k.equals(last)).findFirst();
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Reads one value; a bad one is recorded and the default used, so checking goes on to the next key. */
    private <T> T guard(T fallback, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (ConfigException e) {
            errors.add(e.getMessage());
            return fallback;
        }
    }

    private TemplarConfig build() {
        BitcoinNetwork network = guard(BitcoinNetwork.REGTEST, this::network);
        boolean regtest = network == BitcoinNetwork.REGTEST;
        Path dataDir = Path.of(string("data_dir", "./data"));

        Optional<String> payoutAddress = optionalString("pool.payout_address");
        PayoutMode mode;
        String modeText = string("pool.payout_mode", payoutAddress.isPresent() ? "pool" : "solo");
        switch (modeText) {
            case "solo" -> mode = PayoutMode.SOLO;
            case "pool" -> mode = PayoutMode.POOL;
            default -> {
                errors.add(ConfigException.bad("pool.payout_mode", modeText, "\"solo\" or \"pool\"").getMessage());
                mode = PayoutMode.SOLO;
            }
        }
        if (mode == PayoutMode.POOL && payoutAddress.isEmpty()) {
            errors.add(ConfigException.bad("pool.payout_address", "", "an address of " + network
                    + " when pool.payout_mode is \"pool\"").getMessage());
        }
        payoutAddress.ifPresent(a -> addressProblem(network, a).ifPresent(errors::add));
        String tag = string("pool.tag", "/Templar/");
        if (tag.getBytes(StandardCharsets.UTF_8).length > 60) {
            errors.add(ConfigException.bad("pool.tag", tag, "at most 60 bytes").getMessage());
        }
        int maxCoinbase = integer("pool.max_coinbase_size", 730, 200, 1_000_000);
        int en2 = integer("pool.extranonce2_size", 4, 2, 16);
        int versionMask = hexInt("pool.version_mask", 0x1fffe000);
        int sharesPerJob = integer("pool.shares_per_job", 1 << 20, 1, 1 << 24);
        java.util.OptionalInt instance = values.get("pool.instance") == null ? java.util.OptionalInt.empty()
                : java.util.OptionalInt.of(integer("pool.instance", 0, 0, org.templar.pool.core.ExtranonceAllocator.MAX_INSTANCES - 1));
        TemplarConfig.Pool pool = new TemplarConfig.Pool(mode, payoutAddress, tag, maxCoinbase, en2, versionMask, sharesPerJob,
                payout(mode, network, payoutAddress), instance);

        List<NodeEndpoint> endpoints = new ArrayList<>();
        Optional<String> zmq = optionalString("node.zmq_hashblock");
        Optional<String> rpcPassword = secretFromFile("node.password_file");
        for (String url : stringList("node.urls")) {
            NodeEndpoint ep;
            try {
                ep = NodeEndpoint.parse(url, endpoints.isEmpty() ? zmq : Optional.empty());
            } catch (IllegalArgumentException e) {
                errors.add(ConfigException.bad("node.urls", url, "http://user:pass@host:port (" + e.getMessage() + ")")
                        .getMessage());
                continue;
            }
            endpoints.add(rpcPassword.map(ep::withPassword).orElse(ep));
        }
        if (endpoints.isEmpty() && !regtest && stringList("node.urls").isEmpty()) {
            errors.add(ConfigException.bad("node.urls", "[]", "at least one Bitcoin Core URL on " + network
                    + " (the embedded node is regtest only)").getMessage());
        }
        TemplarConfig.Nodes nodes = new TemplarConfig.Nodes(endpoints,
                Duration.ofMillis(integer("node.poll_interval_ms", 100, 10, 60_000)),
                Duration.ofSeconds(integer("node.refresh_seconds", 30, 1, 3600)),
                Duration.ofMillis(integer("node.timeout_ms", 10_000, 100, 600_000)),
                Duration.ofMillis(integer("node.failover_ms", 1_000, 10, 600_000)));

        VardiffSettings base = regtest ? VardiffSettings.regtest() : VardiffSettings.mainnet();
        double vmin = positive("vardiff.minimum", base.minimum());
        double vinit = positive("vardiff.initial", Math.max(base.initial(), vmin));
        double vmax = positive("vardiff.maximum", base.maximum());
        if (!(vmin <= vinit && vinit <= vmax)) {
            errors.add(ConfigException.bad("vardiff.initial", vinit, "a value between vardiff.minimum (" + vmin
                    + ") and vardiff.maximum (" + vmax + ")").getMessage());
            vinit = Math.max(vmin, Math.min(vmax, vinit));
            vmax = Math.max(vmin, vmax);
            vinit = Math.max(vmin, Math.min(vmax, vinit));
        }
        VardiffSettings vardiff = new VardiffSettings(vinit, vmin, vmax,
                Duration.ofSeconds(integer("vardiff.target_share_seconds", (int) base.targetShareInterval().toSeconds(), 1, 3600)),
                Duration.ofSeconds(integer("vardiff.retarget_seconds", (int) base.retargetInterval().toSeconds(), 1, 86400)));

        TemplarConfig.Database db = new TemplarConfig.Database(optionalString("database.url"),
                string("database.user", "sa"),
                secretFromFile("database.password_file").orElse(string("database.password", "")),
                integer("database.queue_capacity", org.templar.payout.LedgerConfig.DEFAULT_QUEUE_CAPACITY, 1,
                        org.templar.payout.LedgerConfig.MAX_QUEUE_CAPACITY),
                Duration.ofDays(integer("ledger.retain_days", 7, 1, 3650)),
                Duration.ofMinutes(integer("ledger.compact_minutes", 60, 0, 10_080)),
                integer("database.writers", 0, 0, org.templar.payout.LedgerConfig.MAX_WRITERS));

        TemplarConfig.EmbeddedNode embedded = new TemplarConfig.EmbeddedNode(
                integer("embedded_node.rpc_port", 18443, 0, 65535),
                integer("embedded_node.zmq_port", 28332, -1, 65535),
                string("embedded_node.rpc_user", "templar"),
                string("embedded_node.rpc_password", "templar"));

        TemplarConfig.Listen sv1 = listen("sv1.listen", "0.0.0.0:3333");
        TemplarConfig.Listen sv2 = listen("sv2.listen", "0.0.0.0:3336");
        TemplarConfig.Sv1Tls sv1Tls = sv1Tls();
        TemplarConfig.Listen metrics = listen("metrics.listen", "0.0.0.0:9108");
        TemplarConfig.Listen admin = listen("admin.listen", "127.0.0.1:9109");
        Map<String, InetSocketAddress> binds = new LinkedHashMap<>();
        String[] keys = {"sv1.listen", "sv2.listen", "metrics.listen", "admin.listen", "sv1.tls_listen"};
        TemplarConfig.Listen[] listens = {sv1, sv2, metrics, admin, sv1Tls.listen()};
        for (int i = 0; i < keys.length; i++) {
            if (listens[i].enabled()) {
                binds.put(keys[i], listens[i].address());
            }
        }
        if (endpoints.isEmpty() && regtest) { // the embedded node listens too
            binds.put("embedded_node.rpc_port", new InetSocketAddress("127.0.0.1", embedded.rpcPort()));
            if (embedded.zmqPort() > 0) {
                binds.put("embedded_node.zmq_port", new InetSocketAddress("127.0.0.1", embedded.zmqPort()));
            }
        }
        errors.addAll(portClashes(binds));

        return new TemplarConfig(network, dataDir, pool, nodes,
                sv1,
                integer("sv1.max_line_length", 16384, 512, 1 << 20),
                Duration.ofSeconds(integer("sv1.idle_timeout_seconds", 600, 1, 86400)),
                sv2,
                optionalString("sv2.authority_key_file").map(Path::of),
                vardiff, db,
                metrics,
                admin,
                secretFromFile("admin.token_file"),
                embedded,
                optionalString("audit.share_log").map(Path::of),
                listen("tdp.listen", "off"),
                new TemplarConfig.Jds(listen("jds.listen", "0.0.0.0:3337"), new JdsSettings(
                        Duration.ofSeconds(integer("jds.token_lifetime_seconds", 600, 1, 86400)),
                        integer("jds.tokens_per_minute", 30, 1, 100_000),
                        fraction("jds.min_pool_share", 0.99, false),
                        fraction("jds.coinbase_only_min_share", 0, true),
                        integer("jds.coinbase_only_fee_ceiling_sats", 0, 0, Integer.MAX_VALUE),
                        Duration.ofSeconds(integer("jds.declaration_timeout_seconds", 30, 1, 3600)),
                        integer("jds.max_open_declarations", 4, 1, 1000),
                        Duration.ofMillis(integer("jds.mempool_max_age_ms", 1000, 0, 600_000)))),
                OutboundLimit.ofCap(integer("limits.outbound_cap_bytes", (int) OutboundLimit.DEFAULT_CAP, MIN_OUTBOUND_CAP, 1 << 30)),
                new TemplarConfig.Http(Duration.ofMillis(integer("http.request_timeout_ms", 10_000, 100, 600_000)),
                        integer("http.max_connections", 64, 1, 100_000),
                        integer("http.max_request_bytes", 65536, 1024, 16 << 20)),
                webhooks(),
                sv1Tls,
                trustedProxies(),
                policy());
    }

    /** Connection caps, the SV1 setup deadline, automatic bans, the operators' log rate. */
    private TemplarConfig.Policy policy() {
        int day = 86_400;
        return new TemplarConfig.Policy(
                integer("limits.max_connections", 50_000, 1, 10_000_000),
                integer("limits.max_connections_per_ip", 1000, 1, 10_000_000),
                Duration.ofSeconds(integer("sv1.setup_timeout_seconds", 30, 1, 3600)),
                new org.templar.pool.core.AutoBanSettings(bool("bans.enabled", true),
                        Duration.ofSeconds(integer("bans.auto_ban_seconds", 600, 1, 366 * day)),
                        Duration.ofSeconds(integer("bans.window_seconds", 60, 1, day)),
                        integer("bans.min_shares", 50, 1, 1_000_000),
                        integer("bans.max_invalid_percent", 90, 1, 100) / 100.0,
                        integer("bans.max_invalid_shares", 1000, 1, 100_000_000),
                        integer("bans.max_auth_failures", 10, 1, 1_000_000),
                        integer("bans.max_protocol_errors", 20, 1, 1_000_000),
                        Duration.ofSeconds(integer("bans.kick_ban_seconds", 60, 1, 366 * day))),
                positive("log.max_lines_per_second", 20));
    }

    private boolean bool(String key, boolean dflt) {
        return guard(dflt, () -> {
            Object v = values.get(key);
            if (v == null) {
                return dflt;
            }
            String text = v instanceof JsonNode node ? (node.isBoolean() ? String.valueOf(node.asBoolean()) : node.toString())
                    : ((String) v).trim();
            if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(text);
            }
            throw ConfigException.bad(key, text, "true or false");
        });
    }

    private TemplarConfig.Sv1Tls sv1Tls() {
        TemplarConfig.Listen listen = listen("sv1.tls_listen", "off");
        Optional<Path> cert = optionalString("sv1.tls_cert_file").map(Path::of);
        Optional<Path> key = optionalString("sv1.tls_key_file").map(Path::of);
        if (cert.isPresent() != key.isPresent()) {
            errors.add(ConfigException.bad(cert.isPresent() ? "sv1.tls_key_file" : "sv1.tls_cert_file", "(unset)",
                    "set together with " + (cert.isPresent() ? "sv1.tls_cert_file" : "sv1.tls_key_file")
                            + ", or neither for a self-signed pair").getMessage());
        }
        return new TemplarConfig.Sv1Tls(listen, cert, key);
    }

    private org.templar.pool.transport.TrustedProxies trustedProxies() {
        try {
            return org.templar.pool.transport.TrustedProxies.parse(stringList("limits.proxy_protocol_from"));
        } catch (IllegalArgumentException e) {
            errors.add(ConfigException.bad("limits.proxy_protocol_from", e.getMessage(), "IP addresses or CIDR ranges").getMessage());
            return org.templar.pool.transport.TrustedProxies.NONE;
        }
    }

    /** A share in (0, 1], or [0, 1] when {@code zeroAllowed} (0 meaning "off"). */
    private double fraction(String key, double dflt, boolean zeroAllowed) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        String expected = zeroAllowed ? "a number from 0 (off) to 1" : "a number above 0 and at most 1";
        double d;
        try {
            d = v instanceof JsonNode node ? (node.isNumber() ? node.asDouble() : Double.NaN)
                    : Double.parseDouble(((String) v).trim());
        } catch (NumberFormatException e) {
            throw ConfigException.bad(key, v, expected);
        }
        if (!(zeroAllowed ? d >= 0 : d > 0) || !(d <= 1)) {
            throw ConfigException.bad(key, v instanceof JsonNode n ? n.toString() : v, expected);
        }
        return d;
    }

    private List<java.net.URI> webhooks() {
        List<java.net.URI> out = new ArrayList<>();
        for (String url : stringList("notify.webhook_urls")) {
            try {
                java.net.URI u = java.net.URI.create(url);
                if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                    out.add(u);
                    continue;
                }
            } catch (IllegalArgumentException ignored) {
                // reported below
            }
            errors.add(ConfigException.bad("notify.webhook_urls", url, "http:// or https:// URLs").getMessage());
        }
        return out;
    }

    /**
     * What is wrong with a payout address for this network, if anything. An address of another network
     * is said as such ("an address for mainnet, the pool runs on regtest"), not as a parser message.
     */
    static Optional<String> addressProblem(BitcoinNetwork network, String address) {
        try {
            Authorizer.planFor(network, address);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            for (BitcoinNetwork other : new BitcoinNetwork[] {BitcoinNetwork.MAINNET, BitcoinNetwork.TESTNET,
                BitcoinNetwork.SIGNET, BitcoinNetwork.REGTEST}) {
                if (other == network) {
                    continue;
                }
                try {
                    Authorizer.planFor(other, address);
                    return Optional.of("configuration key 'pool.payout_address': \"" + address + "\" is an address for "
                            + name(other) + ", the pool runs on " + name(network));
                } catch (IllegalArgumentException notThatOne) {
                    // try the next network
                }
            }
            return Optional.of(ConfigException.bad("pool.payout_address", address, "a valid " + name(network)
                    + " address (" + e.getMessage() + ")").getMessage());
        }
    }

    private static String name(BitcoinNetwork n) {
        return switch (n) {
            case MAINNET -> "mainnet";
            case TESTNET -> "testnet";
            case SIGNET -> "signet";
            case REGTEST -> "regtest";
        };
    }

    /**
     * Two endpoints that would bind the same port: the same port on the same host, or on any host when
     * one of them is a wildcard. Port 0 (any free port) never clashes.
     */
    static List<String> portClashes(Map<String, InetSocketAddress> binds) {
        List<String> out = new ArrayList<>();
        List<Map.Entry<String, InetSocketAddress>> list = new ArrayList<>(binds.entrySet());
        for (int i = 0; i < list.size(); i++) {
            for (int j = i + 1; j < list.size(); j++) {
                InetSocketAddress a = list.get(i).getValue();
                InetSocketAddress b = list.get(j).getValue();
                if (a.getPort() == 0 || a.getPort() != b.getPort()) {
                    continue;
                }
                boolean wildcard = isWildcard(a) || isWildcard(b);
                if (wildcard || a.getHostString().equals(b.getHostString())) {
                    out.add(list.get(i).getKey() + " and " + list.get(j).getKey() + " both use port " + a.getPort()
                            + "; give each endpoint its own port");
                }
            }
        }
        return out;
    }

    private static boolean isWildcard(InetSocketAddress a) {
        return a.getAddress() != null && a.getAddress().isAnyLocalAddress();
    }

    // ---------------------------------------------------------------- typed readers

    private BitcoinNetwork network() {
        String n = string("network", "regtest");
        return switch (n) {
            case "regtest" -> BitcoinNetwork.REGTEST;
            case "testnet", "testnet3" -> BitcoinNetwork.TESTNET;
            case "signet" -> BitcoinNetwork.SIGNET;
            case "mainnet", "main", "bitcoin" -> BitcoinNetwork.MAINNET;
            default -> throw ConfigException.bad("network", n, "one of regtest, testnet, signet, mainnet");
        };
    }

    private String text(String key, Object v) {
        if (v instanceof JsonNode n) {
            if (!n.isValueNode() || n.isNull()) {
                throw ConfigException.bad(key, n.toString(), "a single value");
            }
            return n.asText();
        }
        return (String) v;
    }

    private TemplarConfig.Payout payout(PayoutMode mode, BitcoinNetwork network, Optional<String> payoutAddress) {
        String schemeText = string("pool.payout_scheme", mode == PayoutMode.SOLO ? "solo" : "pplns");
        SchemeKind kind;
        try {
            kind = SchemeKind.fromConfig(schemeText);
        } catch (IllegalArgumentException e) {
            throw ConfigException.bad("pool.payout_scheme", schemeText, "solo, pplns, prop, pps, fpps or tides");
        }
        String donationText = decimal("pool.donation_percent", "0");
        Optional<String> donationAddress = optionalString("pool.donation_address");
        boolean donating;
        try {
            donating = donationAddress.isPresent() || new java.math.BigDecimal(donationText.trim()).signum() != 0;
        } catch (NumberFormatException e) {
            throw ConfigException.bad("pool.donation_percent", donationText, "a percentage 0..100 with at most 4 decimals");
        }
        if (kind != SchemeKind.TIDES && donating) {
            throw ConfigException.bad(donationAddress.isPresent() ? "pool.donation_address" : "pool.donation_percent",
                    donationAddress.orElse(donationText), "unset: a donation output exists only with payout_scheme tides");
        }
        String feeText = decimal("pool.fee_percent", "0");
        PoolFee fee;
        try {
            fee = PoolFee.percent(feeText, "0");
        } catch (IllegalArgumentException e) {
            throw ConfigException.bad("pool.fee_percent", feeText, "a percentage 0..100 with at most 4 decimals");
        }
        // Only what the running pool can honour is accepted: a key that silently did nothing would
        // let an operator believe miners are paid by a scheme they are not.
        PayoutScheme scheme = switch (kind) {
            case SOLO -> {
                if (mode != PayoutMode.SOLO) {
                    throw ConfigException.bad("pool.payout_scheme", schemeText, "pplns or prop in pool mode");
                }
                if (fee.feePpm() != 0) {
                    throw ConfigException.bad("pool.fee_percent", feeText, "0 in solo mode (solo coinbases pay the miner everything)");
                }
                yield new Solo(fee);
            }
            case PPLNS, PROP, PPS, FPPS -> {
                if (mode != PayoutMode.POOL) {
                    throw ConfigException.bad("pool.payout_scheme", schemeText, "solo in solo mode");
                }
                yield switch (kind) {
                    case PROP -> new Prop(fee);
                    case PPS, FPPS -> new Pps(fee, kind == SchemeKind.FPPS);
                    default -> new Pplns(fee, positive("pool.pplns_window", 2));
                };
            }
            case TIDES -> {
                if (mode != PayoutMode.POOL || payoutAddress.isEmpty()) {
                    throw ConfigException.bad("pool.payout_scheme", schemeText, "solo in solo mode (tides needs pool.payout_address)");
                }
                PoolFee tidesFee;
                try {
                    tidesFee = PoolFee.percent(feeText, donationText);
                } catch (IllegalArgumentException e) {
                    throw ConfigException.bad("pool.donation_percent", donationText,
                            "a percentage with at most 4 decimals, with the fee at most 100 (" + e.getMessage() + ")");
                }
                if (tidesFee.donationPpm() > 0 && donationAddress.isEmpty()) {
                    throw ConfigException.bad("pool.donation_address", "", "an address of " + network + " when pool.donation_percent is set");
                }
                Optional<byte[]> donationScript = Optional.empty();
                if (donationAddress.isPresent()) {
                    Optional<String> problem = addressProblem(network, donationAddress.get());
                    if (problem.isPresent()) {
                        throw new ConfigException(problem.get().replace("pool.payout_address", "pool.donation_address"));
                    }
                    donationScript = Optional.of(Authorizer.planFor(network, donationAddress.get()).script());
                }
                byte[] poolScript = addressProblem(network, payoutAddress.get()).isPresent() ? new byte[0] // reported above
                        : Authorizer.planFor(network, payoutAddress.get()).script();
                yield new Tides(tidesFee, positive("pool.tides_window", 8), integer("pool.dust_sats", 10_000, 0, 100_000_000),
                        poolScript, donationScript);
            }
        };
        return new TemplarConfig.Payout(scheme, integer("pool.orphan_depth", 6, 1, 1000),
                Duration.ofSeconds(integer("pool.track_seconds", 30, 1, 3600)),
                integer("payout.threshold_sats", 1_000_000, 1, Integer.MAX_VALUE));
    }

    /** A decimal as written: TOML numbers (1.5) and strings ("1.5") both, without going through a double. */
    private String decimal(String key, String dflt) {
        Object v = values.get(key);
        if (v instanceof JsonNode n && n.isNumber()) {
            return n.decimalValue().toPlainString();
        }
        return string(key, dflt);
    }

    private String string(String key, String dflt) {
        return guard(dflt, () -> string0(key, dflt));
    }

    private String string0(String key, String dflt) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof JsonNode n && !n.isTextual()) {
            throw ConfigException.bad(key, n.toString(), "a string");
        }
        return text(key, v);
    }

    private Optional<String> optionalString(String key) {
        String s = string(key, "");
        return s.isBlank() ? Optional.empty() : Optional.of(s.trim());
    }

    private List<String> stringList(String key) {
        return guard(new ArrayList<>(), () -> stringList0(key));
    }

    private List<String> stringList0(String key) {
        Object v = values.get(key);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v instanceof JsonNode n) {
            if (n.isTextual()) {
                out.add(n.asText());
            } else if (n.isArray()) {
                for (JsonNode e : n) {
                    if (!e.isTextual()) {
                        throw ConfigException.bad(key, n.toString(), "a list of strings");
                    }
                    out.add(e.asText());
                }
            } else {
                throw ConfigException.bad(key, n.toString(), "a list of strings");
            }
        } else {
            for (String s : ((String) v).split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    private int integer(String key, int dflt, int min, int max) {
        return guard(dflt, () -> integer0(key, dflt, min, max));
    }

    private int integer0(String key, int dflt, int min, int max) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        long n;
        if (v instanceof JsonNode node) {
            if (!node.isIntegralNumber()) {
                throw ConfigException.bad(key, node.toString(), "an integer between " + min + " and " + max);
            }
            n = node.asLong();
        } else {
            try {
                n = Long.parseLong(((String) v).trim());
            } catch (NumberFormatException e) {
                throw ConfigException.bad(key, v, "an integer between " + min + " and " + max);
            }
        }
        if (n < min || n > max) {
            throw ConfigException.bad(key, n, "an integer between " + min + " and " + max);
        }
        return (int) n;
    }

    private double positive(String key, double dflt) {
        return guard(dflt, () -> positive0(key, dflt));
    }

    private double positive0(String key, double dflt) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        double d;
        if (v instanceof JsonNode node) {
            if (!node.isNumber()) {
                throw ConfigException.bad(key, node.toString(), "a positive number");
            }
            d = node.asDouble();
        } else {
            try {
                d = Double.parseDouble(((String) v).trim());
            } catch (NumberFormatException e) {
                throw ConfigException.bad(key, v, "a positive number");
            }
        }
        if (!(d > 0) || Double.isInfinite(d)) {
            throw ConfigException.bad(key, d, "a positive number");
        }
        return d;
    }

    private int hexInt(String key, int dflt) {
        return guard(dflt, () -> hexInt0(key, dflt));
    }

    private int hexInt0(String key, int dflt) {
        String s = string(key, null);
        if (s == null) {
            return dflt;
        }
        String t = s.startsWith("0x") ? s.substring(2) : s;
        if (t.isEmpty() || t.length() > 8 || !t.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw ConfigException.bad(key, s, "up to 8 hex digits, e.g. \"1fffe000\"");
        }
        return (int) Long.parseLong(t, 16);
    }

    private TemplarConfig.Listen listen(String key, String dflt) {
        return guard(new TemplarConfig.Listen(false, null), () -> listen0(key, dflt));
    }

    private TemplarConfig.Listen listen0(String key, String dflt) {
        String s = string(key, dflt).trim();
        if (s.equals("off") || s.isEmpty()) {
            return new TemplarConfig.Listen(false, null);
        }
        int colon = s.lastIndexOf(':');
        if (colon <= 0) {
            throw ConfigException.bad(key, s, "host:port (e.g. 0.0.0.0:3333) or \"off\"");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw ConfigException.bad(key, s, "host:port with a numeric port");
        }
        if (port < 0 || port > 65535) {
            throw ConfigException.bad(key, s, "a port between 0 and 65535");
        }
        return new TemplarConfig.Listen(true, new InetSocketAddress(host, port));
    }

    private Optional<String> secretFromFile(String key) {
        return guard(Optional.empty(), () -> secretFromFile0(key));
    }

    private Optional<String> secretFromFile0(String key) {
        Optional<String> file = optionalString(key);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(Path.of(file.get()), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw ConfigException.bad(key, file.get(), "a readable file (" + e.getMessage() + ")");
        }
    }
}
