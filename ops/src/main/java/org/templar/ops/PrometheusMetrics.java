package org.templar.ops;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.prometheus.client.Histogram;
import org.templar.payout.LedgerMetrics;
import org.templar.pool.core.PoolMetrics;
import org.templar.share.Difficulty;

/** The pool's metrics as Prometheus collectors, registered in one registry served on /metrics. */
public final class PrometheusMetrics implements PoolMetrics, LedgerMetrics, org.templar.pool.node.RpcObserver {
    private final CollectorRegistry registry;
    private final Counter sharesAccepted;
    private final Counter difficultyAccepted;
    private final Counter sharesRejected;
    private final Counter blocks;
    private final Gauge connections;
    private final Counter connectionsTotal;
    private final Histogram broadcastSeconds;
    private final Counter outboundOverflows;
    private final Counter connectionsRefused;
    private final Counter connectionTimeouts;
    private final Counter autoBans;
    private final Counter blockSolutionsDropped;
    private final Gauge ledgerQueue;
    private final Histogram ledgerBatch;
    private final Histogram ledgerCommitSeconds;
    private final Counter ledgerFailedShares;
    private final Counter ledgerBusy;
    private final Histogram nodeRpcSeconds;
    private final Counter nodeRpcErrors;
    private final Counter jdDeclarations;
    private final Counter sharesBySource;
    private final Counter difficultyBySource;

    public PrometheusMetrics(CollectorRegistry registry) {
        this.registry = registry;
        sharesAccepted = Counter.build("templar_shares_accepted_total", "Shares accepted")
                .labelNames("protocol").register(registry);
        difficultyAccepted = Counter.build("templar_share_difficulty_accepted_total",
                "Sum of the difficulty of accepted shares (proportional to work done)")
                .labelNames("protocol").register(registry);
        sharesRejected = Counter.build("templar_shares_rejected_total", "Shares rejected, by reason")
                .labelNames("protocol", "reason").register(registry);
        // the same status names as the ledger and `templar blocks` (accepted, stale, rejected)
        blocks = Counter.build("templar_blocks_found_total", "Block solutions found, by the status the ledger records")
                .labelNames("status").register(registry);
        connections = Gauge.build("templar_connections", "Open miner connections").labelNames("protocol").register(registry);
        connectionsTotal = Counter.build("templar_connections_opened_total", "Miner connections opened")
                .labelNames("protocol").register(registry);
        broadcastSeconds = Histogram.build("templar_job_broadcast_seconds",
                "Time to hand a new template to every session's event loop")
                .labelNames("protocol").buckets(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5)
                .register(registry);
        outboundOverflows = Counter.build("templar_outbound_overflow_closes_total",
                "Connections closed because they did not read what was sent to them (pending bytes passed the cap)")
                .labelNames("protocol").register(registry);
        connectionsRefused = Counter.build("templar_connections_refused_total",
                "Connections closed on arrival: reason banned, global_cap (limits.max_connections) or per_ip_cap")
                .labelNames("protocol", "reason").register(registry);
        connectionTimeouts = Counter.build("templar_connection_timeouts_total",
                "Connections closed by a deadline: setup (no subscribe and authorize in time) or idle (no complete message)")
                .labelNames("protocol", "deadline").register(registry);
        autoBans = Counter.build("templar_auto_bans_total",
                "Automatic bans: reason invalid_shares, auth_failures or protocol_errors")
                .labelNames("reason").register(registry);
        blockSolutionsDropped = Counter.build("templar_block_solutions_dropped_total",
                "Block solutions neither written nor submitted: reason superseded (a block of ours on the same"
                        + " parent is on the active chain), sibling_backlog or busy (past the bounds on solutions in flight)")
                .labelNames("reason").register(registry);
        ledgerQueue = Gauge.build("templar_ledger_queue_depth", "Shares waiting for the ledger writer").register(registry);
        ledgerBatch = Histogram.build("templar_ledger_batch_shares", "Shares per group commit")
                .buckets(1, 2, 5, 10, 50, 100, 500, 1000).register(registry);
        ledgerCommitSeconds = Histogram.build("templar_ledger_commit_seconds", "Time to commit (and sync) one batch")
                .buckets(0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5).register(registry);
        ledgerFailedShares = Counter.build("templar_ledger_failed_shares_total",
                "Shares whose batch the database refused (the miners were told they were not recorded)").register(registry);
        ledgerBusy = Counter.build("templar_ledger_busy_rejections_total",
                "Shares refused at once because the ledger queue was full").register(registry);
        nodeRpcSeconds = Histogram.build("templar_node_rpc_seconds", "Node JSON-RPC call latency, per node and method")
                .labelNames("node", "method").buckets(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30).register(registry);
        nodeRpcErrors = Counter.build("templar_node_rpc_errors_total",
                "Node JSON-RPC calls that failed: kind rpc_error (the node refused) or failed (no usable answer)")
                .labelNames("node", "method", "kind").register(registry);
        jdDeclarations = Counter.build("templar_jd_declarations_total",
                "DeclareMiningJob answers of the Job Declaration Server: outcome accepted, or the error code sent")
                .labelNames("outcome").register(registry);
        sharesBySource = Counter.build("templar_shares_by_source_total",
                "Accepted shares by template source: pool (the pool's templates), jd-full or jd-coinbase (miner-declared)")
                .labelNames("source").register(registry);
        difficultyBySource = Counter.build("templar_shares_difficulty_by_source_total",
                "Sum of the difficulty of accepted shares by template source (pool, jd-full, jd-coinbase)")
                .labelNames("source").register(registry);
    }

    public CollectorRegistry registry() {
        return registry;
    }

    @Override
    public void shareAccepted(String protocol, Difficulty difficulty) {
        sharesAccepted.labels(protocol).inc();
        difficultyAccepted.labels(protocol).inc(difficulty.value()); // a running sum: a double, not a Difficulty
    }

    @Override
    public void shareRejected(String protocol, String reason) {
        sharesRejected.labels(protocol, reasonLabel(reason)).inc();
    }

    /**
     * One spelling for a reason whichever protocol refused the share: the share processor's verdict
     * names (stale, duplicate, low_difficulty, bad_ntime, bad_version, not_recorded) in snake case, and
     * the SV1 phrases and SV2 error codes for the same thing mapped onto them.
     */
    static String reasonLabel(String reason) {
        String r = reason.trim().toLowerCase(java.util.Locale.ROOT).replace('-', '_').replace(' ', '_');
        return switch (r) {
            case "stale_share" -> "stale";
            case "duplicate_share" -> "duplicate";
            case "difficulty_too_low" -> "low_difficulty";
            case "invalid_version", "bad_version_bits" -> "bad_version";
            case "invalid_timestamp" -> "bad_ntime";
            case "share_not_recorded" -> "not_recorded";
            case "bad_extranonce2", "invalid_extranonce_size" -> "bad_extranonce_size";
            case "invalid_job_id" -> "unknown_job";
            case "invalid_channel_id" -> "unknown_channel";
            default -> r;
        };
    }

    @Override
    public void shareOnTemplate(org.templar.pool.core.Worker worker, String templateSource, double revenueWeight,
            Difficulty difficulty) {
        sharesBySource.labels(templateSource).inc();
        difficultyBySource.labels(templateSource).inc(difficulty.value());
    }

    @Override
    public void jobDeclaration(String outcome, String connectionId) {
        jdDeclarations.labels(outcome).inc();
    }

    @Override
    public void blockFound(int height, org.templar.payout.BlockStatus status) {
        blocks.labels(status.name().toLowerCase(java.util.Locale.ROOT)).inc();
    }

    /**
     * Gauges read from the pool's live statistics at each scrape: hashrate of the pool and of each
     * account per window, network difficulty and the expected time to a block.
     */
    public void registerLiveStats(PoolRuntime pool) {
        new LiveStatsCollector(pool).register(registry);
    }

    private static final class LiveStatsCollector extends io.prometheus.client.Collector {
        private final PoolRuntime pool;

        LiveStatsCollector(PoolRuntime pool) {
            this.pool = pool;
        }

        @Override
        public java.util.List<MetricFamilySamples> collect() {
            java.util.List<String> window = java.util.List.of("window");
            java.util.List<String> accountWindow = java.util.List.of("account", "window");
            var poolRate = new io.prometheus.client.GaugeMetricFamily("templar_pool_hashrate",
                    "Pool hashrate in hashes per second, from accepted share difficulty", window);
            var accountRate = new io.prometheus.client.GaugeMetricFamily("templar_account_hashrate",
                    "Hashrate per account (username before the first '.') in hashes per second", accountWindow);
            var view = pool.stats().pool();
            for (org.templar.pool.core.ShareStats.Window w : org.templar.pool.core.ShareStats.Window.values()) {
                poolRate.addMetric(java.util.List.of(w.label), view.hashrate().of(w));
            }
            for (var a : pool.stats().accounts()) {
                for (org.templar.pool.core.ShareStats.Window w : org.templar.pool.core.ShareStats.Window.values()) {
                    accountRate.addMetric(java.util.List.of(a.account(), w.label), a.hashrate().of(w));
                }
            }
            var workers = new io.prometheus.client.GaugeMetricFamily("templar_workers_active",
                    "Workers with a share in the last 24 hours", view.workers());
            var best = new io.prometheus.client.GaugeMetricFamily("templar_best_share_difficulty_round",
                    "Best share difficulty since the pool last found a block", view.bestDifficultyRound());
            java.util.List<MetricFamilySamples> out = new java.util.ArrayList<>(java.util.List.of(poolRate, accountRate,
                    workers, best));
            // read from the ledger, so it is exactly what `templar blocks` lists and follows later moves
            // (a stale block that wins after all, a block orphaned by a reorganisation)
            var blocks = new io.prometheus.client.GaugeMetricFamily("templar_blocks",
                    "Blocks in the ledger by their current status", java.util.List.of("status"));
            try {
                pool.ledger().blockCountsByStatus().forEach((status, n) -> blocks.addMetric(
                        java.util.List.of(status.name().toLowerCase(java.util.Locale.ROOT)), n));
                out.add(blocks);
            } catch (RuntimeException e) {
                // ledger unreachable: leave the gauge out rather than report zeros
            }
            // retention: the detail stays bounded while the compacted count grows (see ShareRetention)
            var ledgerShares = new io.prometheus.client.GaugeMetricFamily("templar_ledger_shares",
                    "Shares in the ledger: one row each (detail) or folded into hourly aggregates (compacted)",
                    java.util.List.of("state"));
            try {
                ledgerShares.addMetric(java.util.List.of("detail"), pool.ledger().shareCount());
                ledgerShares.addMetric(java.util.List.of("compacted"), pool.ledger().retentionHorizon().compactedShares());
                out.add(ledgerShares);
            } catch (RuntimeException e) {
                // ledger unreachable: as above
            }
            pool.shareLog().ifPresent(l -> out.add(new io.prometheus.client.CounterMetricFamily(
                    "templar_audit_log_dropped_lines_total",
                    "Share-log lines dropped because the audit log could not keep up (mining is unaffected)", l.dropped())));
            var jd = pool.stats().templates();
            var fraction = new io.prometheus.client.GaugeMetricFamily("templar_jd_declared_work_fraction",
                    "Fraction of the accepted difficulty mined on miner-declared templates (Job Declaration), per window",
                    window);
            for (org.templar.pool.core.ShareStats.Window w : java.util.List.of(
                    org.templar.pool.core.ShareStats.Window.H1, org.templar.pool.core.ShareStats.Window.H24)) {
                fraction.addMetric(java.util.List.of(w.label), jd.declaredFraction(w));
            }
            out.add(fraction);
            var sources = new io.prometheus.client.GaugeMetricFamily("templar_jd_template_sources",
                    "Distinct template sources in the last 24 h: kind account (accounts with shares on templates they"
                            + " declared) or connection (JDS connections with an accepted declaration)",
                    java.util.List.of("kind"));
            sources.addMetric(java.util.List.of("account"), jd.declaringAccounts24h());
            sources.addMetric(java.util.List.of("connection"), jd.declaringConnections24h());
            out.add(sources);
            var template = pool.templates().current();
            if (template != null) {
                double difficulty = AdminApi.networkDifficulty(template);
                out.add(new io.prometheus.client.GaugeMetricFamily("templar_network_difficulty",
                        "Difficulty of the block the pool is mining", difficulty));
                double seconds = org.templar.pool.core.ShareStats.expectedSecondsToBlock(difficulty,
                        AdminApi.bestWindow(view.hashrate()));
                // +Inf with no hashrate: "never" is the true answer, and the series stays present
                out.add(new io.prometheus.client.GaugeMetricFamily("templar_expected_seconds_to_block",
                        "Expected time to a block at the pool's hashrate (1 h window; +Inf without hashrate)", seconds));
            }
            return out;
        }
    }

    @Override
    public void completed(String node, String method, long nanos, Outcome outcome) {
        nodeRpcSeconds.labels(node, method).observe(nanos / 1e9);
        if (outcome != Outcome.OK) {
            nodeRpcErrors.labels(node, method, outcome.name().toLowerCase(java.util.Locale.ROOT)).inc();
        }
    }

    @Override
    public void connectionOpened(String protocol) {
        connections.labels(protocol).inc();
        connectionsTotal.labels(protocol).inc();
    }

    @Override
    public void connectionClosed(String protocol) {
        connections.labels(protocol).dec();
    }

    @Override
    public void jobsBroadcast(String protocol, int sessions, long nanos) {
        broadcastSeconds.labels(protocol).observe(nanos / 1e9);
    }

    @Override
    public void connectionRefused(String protocol, String reason) {
        connectionsRefused.labels(protocol, reason).inc();
    }

    @Override
    public void connectionTimedOut(String protocol, String deadline) {
        connectionTimeouts.labels(protocol, deadline).inc();
    }

    @Override
    public void autoBan(String reason) {
        autoBans.labels(reason).inc();
    }

    @Override
    public void blockSolutionsDropped(String reason, int count) {
        blockSolutionsDropped.labels(reason).inc(count);
    }

    @Override
    public void outboundOverflow(String protocol, long pendingBytes) {
        outboundOverflows.labels(protocol).inc();
    }

    @Override
    public void queueDepth(int depth) {
        ledgerQueue.set(depth);
    }

    @Override
    public void batchCommitted(int size, long commitNanos) {
        ledgerBatch.observe(size);
        ledgerCommitSeconds.observe(commitNanos / 1e9);
    }

    @Override
    public void batchFailed(int size, Throwable cause) {
        ledgerFailedShares.inc(size);
    }

    @Override
    public void busyRejection() {
        ledgerBusy.inc();
    }
}
