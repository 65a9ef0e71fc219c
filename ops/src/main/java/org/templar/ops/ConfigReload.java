package org.templar.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.templar.ops.config.TemplarConfig;
import org.templar.pool.core.VardiffSettings;

/**
 * {@code templar reload}: what differs between the configuration a pool runs with and the one just
 * re-read from its file, key by key, and which of those changes can take effect live.
 *
 * <p>Live: the vardiff rules (connections and SV2 channels opened from now on; open ones keep the
 * rules they started with, and a worker pinned with {@code set-difficulty} or {@code d=} stays
 * pinned), the webhook URLs, and the coinbase settings of the next templates (pool tag, coinbase
 * size cap, shares remembered per job). Everything else is bound at start-up (listeners, node,
 * database, network, payout scheme...) and is reported as needing a restart.
 */
final class ConfigReload {
    static final String APPLIED = "applied";
    static final String RESTART = "needs a restart";

    private ConfigReload() {}

    /** What changed, in the configuration file's key names, each with {@link #APPLIED} or {@link #RESTART}. */
    static Map<String, String> diff(TemplarConfig now, TemplarConfig next) {
        Map<String, String> changes = new LinkedHashMap<>();
        VardiffSettings v = now.vardiff();
        VardiffSettings w = next.vardiff();
        live(changes, "vardiff.initial", v.initial(), w.initial());
        live(changes, "vardiff.minimum", v.minimum(), w.minimum());
        live(changes, "vardiff.maximum", v.maximum(), w.maximum());
        live(changes, "vardiff.target_share_seconds", v.targetShareInterval(), w.targetShareInterval());
        live(changes, "vardiff.retarget_seconds", v.retargetInterval(), w.retargetInterval());
        live(changes, "notify.webhook_urls", now.webhooks(), next.webhooks());
        TemplarConfig.Pool p = now.pool();
        TemplarConfig.Pool q = next.pool();
        live(changes, "pool.tag", p.tag(), q.tag());
        live(changes, "pool.max_coinbase_size", p.maxCoinbaseSize(), q.maxCoinbaseSize());
        live(changes, "pool.shares_per_job", p.sharesPerJob(), q.sharesPerJob());

        restart(changes, "network", now, next, TemplarConfig::network);
        restart(changes, "data_dir", now, next, TemplarConfig::dataDir);
        restart(changes, "pool.payout_mode", now, next, c -> c.pool().mode());
        restart(changes, "pool.payout_address", now, next, c -> c.pool().payoutAddress());
        restart(changes, "pool.extranonce2_size", now, next, c -> c.pool().extranonce2Size());
        restart(changes, "pool.version_mask", now, next, c -> c.pool().versionMask());
        restart(changes, "pool.instance", now, next, c -> c.pool().instance());
        restart(changes, "pool.payout_scheme", now, next, c -> c.pool().payout().scheme());
        restart(changes, "pool.orphan_depth", now, next, c -> c.pool().payout().orphanDepth());
        restart(changes, "pool.track_seconds", now, next, c -> c.pool().payout().trackInterval());
        restart(changes, "payout.threshold_sats", now, next, c -> c.pool().payout().thresholdSats());
        restart(changes, "node.*", now, next, TemplarConfig::nodes);
        restart(changes, "sv1.listen", now, next, TemplarConfig::sv1);
        restart(changes, "sv1.max_line_length", now, next, TemplarConfig::sv1MaxLineLength);
        restart(changes, "sv1.idle_timeout_seconds", now, next, TemplarConfig::sv1IdleTimeout);
        restart(changes, "sv2.listen", now, next, TemplarConfig::sv2);
        restart(changes, "sv2.authority_key_file", now, next, TemplarConfig::sv2AuthorityKeyFile);
        restart(changes, "tdp.listen", now, next, TemplarConfig::tdp);
        restart(changes, "jds.*", now, next, TemplarConfig::jds);
        restart(changes, "database.*", now, next, c -> java.util.List.of(c.database().url(), c.database().user(),
                c.database().password(), c.database().queueCapacity(), c.database().writers()));
        restart(changes, "ledger.*", now, next, c -> java.util.List.of(c.database().retainAge(), c.database().compactInterval()));
        restart(changes, "metrics.listen", now, next, TemplarConfig::metrics);
        restart(changes, "admin.listen", now, next, TemplarConfig::admin);
        restart(changes, "admin.token_file", now, next, TemplarConfig::adminToken);
        restart(changes, "embedded_node.*", now, next, TemplarConfig::embeddedNode);
        restart(changes, "audit.share_log", now, next, TemplarConfig::shareLog);
        restart(changes, "limits.outbound_cap_bytes", now, next, TemplarConfig::outbound);
        restart(changes, "http.*", now, next, TemplarConfig::http);
        restart(changes, "limits.max_connections*, sv1.setup_timeout_seconds, bans.*, log.*", now, next, TemplarConfig::policy);
        return changes;
    }

    /**
     * The configuration the pool runs with once the live changes of {@code next} are applied: its
     * live parts from {@code next}, everything bound at start-up still from {@code now}.
     */
    static TemplarConfig merged(TemplarConfig now, TemplarConfig next) {
        TemplarConfig.Pool p = now.pool();
        TemplarConfig.Pool q = next.pool();
        TemplarConfig.Pool pool = new TemplarConfig.Pool(p.mode(), p.payoutAddress(), q.tag(), q.maxCoinbaseSize(),
                p.extranonce2Size(), p.versionMask(), q.sharesPerJob(), p.payout(), p.instance());
        return new TemplarConfig(now.network(), now.dataDir(), pool, now.nodes(), now.sv1(), now.sv1MaxLineLength(),
                now.sv1IdleTimeout(), now.sv2(), now.sv2AuthorityKeyFile(), next.vardiff(), now.database(), now.metrics(),
                now.admin(), now.adminToken(), now.embeddedNode(), now.shareLog(), now.tdp(), now.jds(), now.outbound(),
                now.http(), next.webhooks(), now.sv1Tls(), now.proxyProtocolFrom(), now.policy());
    }

    private static void live(Map<String, String> changes, String key, Object a, Object b) {
        if (!same(a, b)) {
            changes.put(key, APPLIED);
        }
    }

    private static void restart(Map<String, String> changes, String key, TemplarConfig now, TemplarConfig next,
            Function<TemplarConfig, Object> part) {
        if (!same(part.apply(now), part.apply(next))) {
            changes.put(key, RESTART);
        }
    }

    /** Equal, or (for parts without value equality) the same text. */
    private static boolean same(Object a, Object b) {
        return Objects.equals(a, b) || String.valueOf(a).equals(String.valueOf(b));
    }
}
