package org.templar.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.templar.payout.BlockRecord;
import org.templar.payout.WorkerStats;
import org.templar.pool.core.ShareStats;
import org.templar.pool.core.Worker;
import org.templar.pool.job.Template;
import org.templar.pool.sv1.session.Sv1Session;
import org.templar.share.Difficulty;
import org.templar.share.Target;

/**
 * The admin API's logic, apart from any HTTP server: a method, a path and the query parameters in,
 * a status code and a JSON body out. The transport (whichever HTTP server carries it) only checks the
 * token and copies the answer onto the wire.
 *
 * <p>Bad parameters are answered 400 with the parameter named; nothing a client sends can turn into
 * a 500.
 */
public final class AdminApi {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS); // ISO-8601 times, readable in a terminal

    /** A ban longer than a year is almost surely a typo (minutes for seconds); refuse it. */
    public static final long MAX_BAN_MINUTES = 366L * 24 * 60;
    static final int MAX_BLOCKS = 1000;

    /** How long status waits for the node's chain tip before falling back to the template's parent. */
    private static final Duration NODE_WAIT = Duration.ofSeconds(2);

    /** The answer: an HTTP status and a JSON body. */
    public record Response(int status, JsonNode body) {
        static Response ok(JsonNode body) {
            return new Response(200, body);
        }

        static Response error(int status, String message) {
            return new Response(status, JSON.createObjectNode().put("error", message));
        }
    }

    /** A request parameter that is missing or wrong; becomes a 400 naming it. */
    static final class BadParameter extends RuntimeException {
        BadParameter(String parameter, String problem) {
            super("parameter '" + parameter + "': " + problem);
        }
    }

    private final PoolRuntime pool;

    public AdminApi(PoolRuntime pool) {
        this.pool = pool;
    }

    public Response handle(String method, String path, Map<String, String> query) {
        boolean post = "POST".equals(method);
        try {
            return switch (path) {
                case "/api/status" -> Response.ok(status());
                case "/api/workers" -> Response.ok(workers());
                case "/api/accounts" -> Response.ok(accounts());
                case "/api/blocks" -> Response.ok(blocks(intParam(query, "limit", 20, 1, MAX_BLOCKS)));
                case "/api/bans" -> Response.ok(bans());
                case "/api/kick" -> post ? kick(required(query, "worker")) : Response.error(405, "use POST");
                case "/api/ban" -> post ? Response.ok(ban(rangeParam(query), banDuration(query), reasonParam(query)))
                        : Response.error(405, "use POST");
                case "/api/unban" -> post ? Response.ok(unban(rangeParam(query))) : Response.error(405, "use POST");
                case "/api/difficulty" -> post ? setDifficulty(required(query, "worker"),
                        Difficulty.of(doubleParam(query, "difficulty")))
                        : Response.error(405, "use POST");
                case "/api/drain" -> post ? Response.ok(drain()) : Response.error(405, "use POST");
                case "/api/reload" -> post ? reload() : Response.error(405, "use POST");
                case "/api/payouts/verify" -> Response.ok(new PayoutAudit(pool).verify(optional(query, "block"), optional(query, "share_credits")));
                case "/api/payouts/export" -> Response.ok(new PayoutAudit(pool).export(optional(query, "block"), optional(query, "share_credits")));
                case "/api/payouts/batch" -> post ? Response.ok(new PayoutBatches(pool).create())
                        : Response.ok(new PayoutBatches(pool).show(longParam(query, "id", 0, 1, Long.MAX_VALUE)));
                case "/api/payouts/mark-sent" -> post ? new PayoutBatches(pool).markSent(
                        longParam(query, "batch", 0, 1, Long.MAX_VALUE), required(query, "txid")) : Response.error(405, "use POST");
                case "/api/ledger/compact" -> post ? Response.ok(compact(intParam(query, "max_seconds", 60, 1, 3600), false))
                        : Response.ok(compact(1, true));
                default -> Response.error(404, "no such endpoint: " + path);
            };
        } catch (BadParameter e) {
            return Response.error(400, e.getMessage());
        } catch (IllegalStateException e) {
            return Response.error(503, e.getMessage()); // the node or the ledger could not answer
        }
    }

    // ------------------------------------------------------------------ ledger retention

    /**
     * {@code POST /api/ledger/compact}: compacts old shares now, for at most {@code maxSeconds}; {@code
     * GET}: only where the cut lies now (a dry run). Safe on any instance and beside the leader's own
     * runs: batches take turns on the share_retention lock.
     */
    ObjectNode compact(int maxSeconds, boolean dryRun) {
        org.templar.payout.ShareRetention retention = pool.retention();
        ObjectNode o = JSON.createObjectNode();
        org.templar.payout.ShareRetention.Cut cut;
        try {
            cut = retention.cut();
            if (dryRun) {
                o.put("dry_run", true);
                cut(o.putObject("cut"), cut);
            } else {
                org.templar.payout.ShareRetention.Summary s = retention.compact(cut, java.time.Duration.ofSeconds(maxSeconds));
                o.put("dry_run", false);
                cut(o.putObject("cut"), s.cut());
                o.put("shares_compacted", s.sharesCompacted()).put("batches", s.batches())
                        .put("aggregate_rows_written", s.aggregateRowsWritten()).put("done", s.done())
                        .put("seconds", s.took().toNanos() / 1e9).put("shares_per_second", Math.round(s.sharesPerSecond()));
            }
        } catch (org.templar.payout.LedgerException e) {
            throw new IllegalStateException("compaction failed, nothing half done: " + e.getMessage());
        }
        org.templar.payout.ShareRetention.Horizon h = pool.ledger().retentionHorizon();
        o.put("shares_in_detail", pool.ledger().shareCount());
        ObjectNode horizon = o.putObject("horizon").put("compacted_shares", h.compactedShares())
                .put("max_compacted_id", h.maxCompactedId());
        h.maxCompactedAt().ifPresent(t -> horizon.put("max_compacted_at", t.toString()));
        h.lastRunAt().ifPresent(t -> horizon.put("last_run_at", t.toString()));
        o.put("retain_days", pool.config().database().retainAge().toDays());
        return o;
    }

    private static void cut(ObjectNode o, org.templar.payout.ShareRetention.Cut c) {
        o.put("scheme_bounds_before_id", c.beforeId() == Long.MAX_VALUE ? null : c.beforeId());
        o.put("before_time", c.before().toString());
        o.put("age_before", c.ageBefore().toString());
        o.put("window_from_id", c.windowFromId() == Long.MAX_VALUE ? null : c.windowFromId());
        o.put("unsettled_blocks", c.unsettledBlocks());
        o.put("unsettled_blocks_from_id", c.blocksFromId() == Long.MAX_VALUE ? null : c.blocksFromId());
        c.roundFrom().ifPresent(t -> o.put("prop_round_from", t.toString()));
        if (c.creditedThroughId() != Long.MAX_VALUE) {
            o.put("pps_credited_through_id", c.creditedThroughId());
        }
    }

    // ------------------------------------------------------------------ reads

    ObjectNode status() {
        ObjectNode o = JSON.createObjectNode();
        o.put("network", pool.config().network().toString());
        o.put("payout_mode", pool.config().pool().mode().ledgerName());
        Template t = pool.templates().current();
        JsonNode chain = chainInfo();
        if (chain != null && chain.has("blocks")) {
            o.put("tip_height", chain.get("blocks").asInt());
        } else if (t != null) {
            o.put("tip_height", t.blockTemplate().height() - 1); // the template builds on the tip
        }
        double networkDifficulty = Double.NaN;
        if (t != null) {
            o.put("template_height", t.blockTemplate().height());
            o.put("previous_block", t.blockTemplate().previousBlockHashHex());
            o.put("template_transactions", t.blockTemplate().transactions().size());
            o.put("coinbase_value_sats", t.blockTemplate().coinbaseValue());
            networkDifficulty = networkDifficulty(t);
        } else if (chain != null && chain.has("difficulty")) {
            networkDifficulty = chain.get("difficulty").asDouble();
        }
        o.put("sv1_connections", pool.sv1().map(s -> s.connectionCount()).orElse(0));
        o.put("sv2_connections", pool.sv2().map(s -> s.connectionCount()).orElse(0));
        pool.authority().ifPresent(a -> o.put("sv2_authority_public_key", a.publicKey().toBase58()));
        long detail = pool.ledger().shareCount();
        long compacted = pool.ledger().retentionHorizon().compactedShares();
        o.put("shares_recorded", detail + compacted);
        o.put("shares_in_detail", detail);
        o.put("shares_compacted", compacted);
        o.put("ledger_queue_depth", pool.ledger().queueDepth());

        ObjectNode blocks = o.putObject("blocks_by_status");
        pool.ledger().blockCountsByStatus().forEach((status, n) -> blocks.put(
                status.name().toLowerCase(java.util.Locale.ROOT), n));
        ShareStats.PoolView p = pool.stats().pool();
        o.set("hashrate", hashrate(p.hashrate()));
        o.put("workers_active", p.workers());
        o.set("shares_by_outcome", JSON.valueToTree(p.sharesByOutcome()));
        o.put("best_share_difficulty", p.bestDifficulty());
        o.put("best_share_difficulty_round", p.bestDifficultyRound());
        putInstant(o, "last_share_at", p.lastShareAt());
        o.set("job_declaration", jobDeclaration(pool.stats().templates()));
        if (!Double.isNaN(networkDifficulty)) {
            o.put("network_difficulty", networkDifficulty);
            double seconds = ShareStats.expectedSecondsToBlock(networkDifficulty, bestWindow(p.hashrate()));
            if (Double.isFinite(seconds)) {
                o.put("expected_seconds_to_block", seconds);
            } else {
                o.putNull("expected_seconds_to_block");
            }
        }
        return o;
    }

    /**
     * The Job Declaration figures: declarations by outcome, accepted shares and difficulty per template
     * source, the fraction of work on miner-declared templates and the distinct sources of 24 h.
     */
    static ObjectNode jobDeclaration(org.templar.pool.core.TemplateSourceStats jd) {
        ObjectNode o = JSON.createObjectNode();
        o.set("declarations_by_outcome", JSON.valueToTree(jd.declarationsByOutcome()));
        ArrayNode sources = o.putArray("sources");
        for (var s : jd.sources()) {
            sources.addObject().put("source", s.source()).put("shares", s.shares()).put("difficulty", s.difficulty())
                    .put("difficulty_1h", s.difficulty1h()).put("difficulty_24h", s.difficulty24h());
        }
        o.putObject("declared_work_fraction").put("1h", jd.declaredFraction(ShareStats.Window.H1))
                .put("24h", jd.declaredFraction(ShareStats.Window.H24));
        o.put("declaring_accounts_24h", jd.declaringAccounts24h());
        o.put("declaring_connections_24h", jd.declaringConnections24h());
        return o;
    }

    /** The figure to predict blocks by: the hour's rate, or the 5 minutes' while the pool is young. */
    static double bestWindow(ShareStats.Hashrate h) {
        return h.h1() > 0 ? h.h1() : h.m5();
    }

    static double networkDifficulty(Template t) {
        return Target.fromCompact(t.blockTemplate().bits()).difficulty();
    }

    private JsonNode chainInfo() {
        try {
            return pool.nodes().primary().getBlockchainInfo().get(NODE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return null; // the node is slow or down: status still answers, from the template
        }
    }

    ArrayNode workers() {
        Map<String, Integer> online = new HashMap<>();
        pool.sv1().ifPresent(s -> s.sessions().forEach(
                sess -> sess.worker().ifPresent(w -> online.merge(w.username(), 1, Integer::sum))));
        pool.sv2().ifPresent(s -> s.sessions().forEach(
                sess -> sess.workers().forEach(w -> online.merge(w.username(), 1, Integer::sum))));
        Map<String, ShareStats.WorkerView> live = new HashMap<>();
        for (ShareStats.WorkerView w : pool.stats().workers()) {
            live.put(w.worker(), w);
        }
        ArrayNode a = JSON.createArrayNode();
        for (WorkerStats w : pool.ledger().workerStats()) {
            ObjectNode o = JSON.valueToTree(w);
            o.put("connections", online.getOrDefault(w.worker(), 0));
            ShareStats.WorkerView v = live.get(w.worker());
            o.set("hashrate", hashrate(v == null ? ShareStats.Hashrate.ZERO : v.hashrate()));
            o.put("best_share_difficulty", v == null ? 0 : v.bestDifficulty());
            o.put("best_share_difficulty_round", v == null ? 0 : v.bestDifficultyRound());
            o.put("accepted_since_start", v == null ? 0 : v.accepted());
            o.set("rejected_since_start", JSON.valueToTree(v == null ? Map.of() : v.rejected()));
            var template = pool.stats().templates().worker(w.worker());
            if (template.isPresent()) { // of its last accepted share since the pool started
                o.put("template_source", template.get().source());
                o.put("revenue_weight", template.get().revenueWeight());
            } else {
                o.putNull("template_source");
                o.putNull("revenue_weight");
            }
            a.add(o);
        }
        return a;
    }

    ArrayNode accounts() {
        ArrayNode a = JSON.createArrayNode();
        for (ShareStats.AccountView v : pool.stats().accounts()) {
            ObjectNode o = a.addObject();
            o.put("account", v.account());
            o.set("hashrate", hashrate(v.hashrate()));
            o.put("workers", v.workers());
            o.put("accepted_since_start", v.accepted());
            o.put("best_share_difficulty", v.bestDifficulty());
            o.put("best_share_difficulty_round", v.bestDifficultyRound());
            putInstant(o, "last_share_at", v.lastShareAt());
        }
        return a;
    }

    ArrayNode blocks(int limit) {
        ArrayNode a = JSON.createArrayNode();
        for (BlockRecord b : pool.ledger().recentBlocks(limit)) {
            a.add(JSON.valueToTree(b));
        }
        return a;
    }

    static ObjectNode hashrate(ShareStats.Hashrate h) {
        ObjectNode o = JSON.createObjectNode();
        o.put("5m", h.m5());
        o.put("1h", h.h1());
        o.put("24h", h.h24());
        return o;
    }

    private static void putInstant(ObjectNode o, String key, Instant at) {
        if (at == null) {
            o.putNull(key);
        } else {
            o.put(key, at.toString());
        }
    }

    // ------------------------------------------------------------------ actions

    /**
     * Closes the worker's (or account's) connections and bans their addresses for
     * {@code bans.kick_ban_seconds}, so that a miner that reconnects at once is not back (it would be
     * within a second otherwise).
     */
    private Response kick(String worker) {
        Predicate<Worker> named = w -> w.username().equals(worker) || w.user().equals(worker);
        int n = 0;
        java.util.Set<InetAddress> addresses = new java.util.LinkedHashSet<>();
        for (Sv1Session s : pool.sv1().map(v -> v.sessions()).orElse(List.of())) {
            if (s.worker().map(named::test).orElse(false)) {
                java.net.InetSocketAddress a = pool.sv1().get().addressOf(s);
                if (pool.sv1().get().kick(s)) {
                    n++;
                    if (a != null) {
                        addresses.add(a.getAddress());
                    }
                }
            }
        }
        for (var s : pool.sv2().map(v -> v.sessions()).orElse(List.of())) {
            if (s.workers().stream().anyMatch(named)) {
                java.net.InetSocketAddress a = pool.sv2().get().addressOf(s);
                if (pool.sv2().get().kick(s)) {
                    n++;
                    if (a != null) {
                        addresses.add(a.getAddress());
                    }
                }
            }
        }
        if (n == 0) {
            // not success: the operator probably mistyped the name, and must not believe it worked
            return Response.error(404, "no connected worker or account named '" + worker + "'");
        }
        Duration banFor = pool.config().policy().bans().kickBan();
        ObjectNode o = JSON.createObjectNode().put("disconnected", n);
        ArrayNode banned = o.putArray("banned");
        for (InetAddress a : addresses) {
            var range = org.templar.pool.core.IpRange.of(a);
            var ban = pool.context().bans().ban(range, banFor, "kicked worker " + worker, org.templar.pool.core.BanList.Source.OPERATOR);
            pool.context().bans().enforce(range);
            banned.add(range.toString());
            o.put("banned_until", ban.until().toString());
        }
        pool.context().policy().log().info("operator kicked {}: {} connection(s) closed, {} banned for {} s", worker, n,
                addresses.stream().map(InetAddress::getHostAddress).toList(), banFor.toSeconds());
        return Response.ok(o);
    }

    /**
     * Fixes the share difficulty of a worker's (or account's) connections, as {@code d=} in the SV1
     * password would: clamped to the vardiff bounds, vardiff off for them. SV1 connections get
     * mining.set_difficulty with their current job again; SV2 channels get SetTarget and new work.
     */
    private Response setDifficulty(String worker, Difficulty difficulty) {
        Predicate<Worker> named = w -> w.username().equals(worker) || w.user().equals(worker);
        int sv1 = 0;
        for (Sv1Session s : pool.sv1().map(v -> v.sessions()).orElse(List.of())) {
            if (s.worker().map(named::test).orElse(false)) {
                sv1++;
            }
        }
        int sv2 = 0;
        int sv2Channels = 0;
        for (var s : pool.sv2().map(v -> v.sessions()).orElse(List.of())) {
            long n = s.workers().stream().filter(named).count();
            if (n > 0) {
                sv2++;
                sv2Channels += (int) n;
            }
        }
        if (sv1 + sv2 == 0) {
            return Response.error(404, "no connected worker or account named '" + worker + "'");
        }
        // matched again on each session's own loop, where its state may be read
        if (sv1 > 0) {
            pool.sv1().get().forEachSession(s -> {
                if (s.worker().map(named::test).orElse(false)) {
                    s.fixDifficulty(difficulty);
                }
            });
        }
        if (sv2 > 0) {
            pool.sv2().get().fixDifficulty(named, difficulty);
        }
        var v = pool.vardiff();
        ObjectNode o = JSON.createObjectNode();
        o.put("worker", worker);
        o.put("difficulty", Math.max(v.minimum(), Math.min(v.maximum(), difficulty.value())));
        o.put("sv1_connections", sv1);
        o.put("sv2_connections", sv2);
        o.put("sv2_channels", sv2Channels);
        return Response.ok(o);
    }

    /**
     * Re-reads the configuration file the pool was started with and applies what can change live;
     * answers each changed key with "applied" or "needs a restart". A file with errors changes
     * nothing and is answered 400 with every error.
     */
    private Response reload() {
        PoolRuntime.Reload r;
        try {
            r = pool.reload();
        } catch (org.templar.ops.config.ConfigException e) {
            String where = pool.reloadFile().map(Path::toString).filter(f -> !e.getMessage().contains(f))
                    .map(f -> f + ": ").orElse("");
            return Response.error(400, where + e.getMessage() + " (nothing was applied)");
        } catch (IllegalStateException e) {
            return Response.error(409, e.getMessage());
        }
        ObjectNode o = JSON.createObjectNode();
        if (r.file().isPresent()) {
            o.put("file", r.file().get().toString());
        } else {
            o.putNull("file");
        }
        ObjectNode changes = o.putObject("changes");
        r.changes().forEach(changes::put);
        o.put("applied", r.changes().values().stream().filter(ConfigReload.APPLIED::equals).count());
        o.put("needs_restart", r.changes().values().stream().filter(ConfigReload.RESTART::equals).count());
        return Response.ok(o);
    }

    static double doubleParam(Map<String, String> q, String name) {
        String v = required(q, name);
        double d;
        try {
            d = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new BadParameter(name, "'" + v + "' is not a number");
        }
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new BadParameter(name, "must be a positive number");
        }
        return d;
    }

    /** Bans an address or CIDR range, closes its connections on every listener, and waits until the ban is in the database. */
    private ObjectNode ban(org.templar.pool.core.IpRange range, Duration duration, String reason) {
        var bans = pool.context().bans();
        var ban = bans.ban(range, duration, reason, org.templar.pool.core.BanList.Source.OPERATOR);
        int disconnected = bans.enforce(range);
        boolean persisted = awaitPersisted();
        pool.context().policy().log().info("operator banned {} until {}: {} ({} connection(s) closed)", range, ban.until(),
                reason, disconnected);
        ObjectNode o = banJson(ban);
        o.put("disconnected", disconnected);
        o.put("persisted", persisted);
        return o;
    }

    private boolean awaitPersisted() {
        try {
            pool.context().bans().persisted().get(10, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false; // in force in memory; the pool logged why the database refused it
        }
    }

    private ArrayNode bans() {
        ArrayNode a = JSON.createArrayNode();
        pool.context().bans().active().forEach(b -> a.add(banJson(b)));
        return a;
    }

    private static ObjectNode banJson(org.templar.pool.core.BanList.Ban b) {
        ObjectNode o = JSON.createObjectNode();
        o.put("ip", b.range().toString());
        o.put("reason", b.reason());
        o.put("source", b.source().text());
        o.put("created", b.created().toString());
        o.put("until", b.until().toString());
        return o;
    }

    /**
     * Stops accepting connections, then asks every miner to reconnect (SV1 client.reconnect, SV2
     * Reconnect) to this same endpoint, which no longer answers: they move to their backup pools.
     * Shares from miners still connected keep being judged until they leave.
     */
    private ObjectNode drain() {
        ObjectNode o = JSON.createObjectNode();
        int sv1 = pool.sv1().map(s -> {
            s.stopAccepting();
            int n = s.connectionCount();
            // a wildcard listen address means nothing to a miner: then just "reconnect to us"
            var a = pool.sv1Address();
            s.reconnectAll(a.getAddress().isAnyLocalAddress() ? null : a.getHostString(), a.getPort(), 5);
            return n;
        }).orElse(0);
        int sv2 = pool.sv2().map(s -> {
            s.stopAccepting();
            int n = s.connectionCount();
            s.reconnectAll("", 0); // empty host, port 0: this same endpoint
            return n;
        }).orElse(0);
        o.put("accepting", false);
        o.put("sv1_asked_to_reconnect", sv1);
        o.put("sv2_asked_to_reconnect", sv2);
        return o;
    }

    private ObjectNode unban(org.templar.pool.core.IpRange range) {
        ObjectNode o = JSON.createObjectNode();
        o.put("ip", range.toString());
        o.put("was_banned", pool.context().bans().unban(range));
        o.put("persisted", awaitPersisted());
        pool.context().policy().log().info("operator unbanned {}", range);
        return o;
    }

    // ------------------------------------------------------------------ parameters

    /** A parameter that may be left out (null then; blank counts as left out). */
    static String optional(Map<String, String> q, String name) {
        String v = q.get(name);
        return v == null || v.isBlank() ? null : v;
    }

    static String required(Map<String, String> q, String name) {
        String v = q.get(name);
        if (v == null || v.isBlank()) {
            throw new BadParameter(name, "required");
        }
        return v;
    }

    static long longParam(Map<String, String> q, String name, long dflt, long min, long max) {
        String v = q.get(name);
        if (v == null) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new BadParameter(name, "'" + v + "' is not a whole number");
        }
        if (n < min || n > max) {
            throw new BadParameter(name, n + " is out of range " + min + ".." + max);
        }
        return n;
    }

    static int intParam(Map<String, String> q, String name, int dflt, int min, int max) {
        return (int) longParam(q, name, dflt, min, max);
    }

    /** {@code ip}: an address or CIDR range, literal only (no DNS lookups from the admin API). */
    static org.templar.pool.core.IpRange rangeParam(Map<String, String> q) {
        String text = required(q, "ip");
        try {
            return org.templar.pool.core.IpRange.parse(text);
        } catch (IllegalArgumentException e) {
            throw new BadParameter("ip", e.getMessage().replace("IP address", "IPv4 or IPv6 address"));
        }
    }

    /** The ban's length: {@code for} (30s, 10m, 2h, 7d) or the older {@code minutes}; one hour if neither. */
    static Duration banDuration(Map<String, String> q) {
        String text = q.get("for");
        if (text == null) {
            return Duration.ofMinutes(longParam(q, "minutes", 60, 1, MAX_BAN_MINUTES));
        }
        if (q.containsKey("minutes")) {
            throw new BadParameter("for", "give either 'for' or 'minutes', not both");
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})\\s*([smhd])").matcher(text.trim().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches()) {
            throw new BadParameter("for", "'" + text + "' is not a duration like 90s, 30m, 12h or 7d");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (d.isZero() || d.toMinutes() > MAX_BAN_MINUTES) {
            throw new BadParameter("for", "'" + text + "' is out of range 1s..366d");
        }
        return d;
    }

    /** {@code reason}: free text, one line, at most 200 characters; "banned by the operator" if absent. */
    static String reasonParam(Map<String, String> q) {
        String r = q.get("reason");
        if (r == null || r.isBlank()) {
            return "banned by the operator";
        }
        if (r.length() > 200 || r.chars().anyMatch(c -> c < 0x20)) {
            throw new BadParameter("reason", "one line of at most 200 characters");
        }
        return r.trim();
    }
}
