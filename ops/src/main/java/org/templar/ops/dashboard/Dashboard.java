package org.templar.ops.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.templar.payout.BlockRecord;
import org.templar.payout.BlockStatus;
import org.templar.payout.WorkerStats;
import org.templar.pool.core.ShareStats;
import org.templar.pool.core.Worker;
import org.templar.pool.job.Template;
import org.templar.share.Target;

/**
 * The public dashboard: a pool page and a per-address page, and the read-only JSON they draw from.
 * Transport-free (a path in, a status, content type and body out) so any HTTP server can carry it.
 *
 * <p>Safe to expose: it shows only what anyone watching the chain or mining on the pool could know
 * (hashrate, workers by name, blocks) and nothing an operator keeps to himself (addresses of
 * connections, bans, tokens, the ledger's internals). Every asset is served from the classpath: the
 * page works on a machine with no internet access.
 */
public final class Dashboard {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESOURCES = "org/templar/ops/dashboard/";
    /** uPlot, from its WebJar: a small canvas chart library with no dependencies. */
    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
    /** Account names are addresses or usernames; anything else in the path is refused before a lookup. */
    private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9_\\-]{1,100}");
    private static final Pattern ASSET = Pattern.compile("[a-z0-9\\-]{1,40}\\.(js|css)");
    static final int BLOCKS_SHOWN = 50;
    static final int PAYMENTS_SHOWN = 50;

    /** What the pool page and the address page are drawn from. */
    public interface Source {
        String network();

        String payoutMode();

        /** The template being mined, or null before the first one. */
        Template template();

        ShareStats stats();

        List<WorkerStats> workerStats(String account);

        List<BlockRecord> recentBlocks(int limit);

        /**
         * Accepted difficulty (last 24 h) per template source, "pool" and the miner-declared ones (JD);
         * empty while no miner declared its own: then the pool page shows no decentralization panel.
         */
        default Map<String, Double> difficultyByTemplateSource() {
            return Map.of();
        }

        /** The account's balance (zero parts for an account never credited). */
        default org.templar.payout.Balance balance(String account) {
            return org.templar.payout.Balance.empty(account);
        }

        /** The account's latest payments, newest first. */
        default List<org.templar.payout.PayoutLedger.Payment> payments(String account, int limit) {
            return List.of();
        }
    }

    /** One answer. */
    public record Page(int status, String contentType, byte[] body) {
        static Page of(int status, String contentType, String body) {
            return new Page(status, contentType, body.getBytes(StandardCharsets.UTF_8));
        }

        static Page notFound() {
            return of(404, "text/plain; charset=utf-8", "not found\n");
        }
    }

    private final Source source;
    private final Map<String, byte[]> assets = new ConcurrentHashMap<>();

    public Dashboard(Source source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    /** Answers a GET for {@code path}; null when the path is not the dashboard's (another route may take it). */
    public Page get(String path) {
        if (path.equals("/") || path.equals("/index.html")) {
            return html("index.html");
        }
        if (path.startsWith("/address/")) {
            return ACCOUNT.matcher(path.substring("/address/".length())).matches() ? html("address.html")
                    : Page.notFound();
        }
        if (path.startsWith("/assets/uplot/")) {
            String name = path.substring("/assets/uplot/".length());
            return switch (name) {
                case "uPlot.iife.min.js" -> asset(UPLOT + name, "text/javascript; charset=utf-8");
                case "uPlot.min.css" -> asset(UPLOT + name, "text/css; charset=utf-8");
                default -> Page.notFound();
            };
        }
        if (path.startsWith("/assets/")) {
            String name = path.substring("/assets/".length());
            if (!ASSET.matcher(name).matches()) {
                return Page.notFound();
            }
            return asset(RESOURCES + name, name.endsWith(".js") ? "text/javascript; charset=utf-8"
                    : "text/css; charset=utf-8");
        }
        if (path.equals("/api/public/pool")) {
            return json(pool());
        }
        if (path.startsWith("/api/public/address/")) {
            String account = path.substring("/api/public/address/".length());
            return ACCOUNT.matcher(account).matches() ? json(address(account)) : Page.notFound();
        }
        return null;
    }

    // ------------------------------------------------------------------ JSON

    ObjectNode pool() {
        ObjectNode o = JSON.createObjectNode();
        o.put("network", source.network());
        o.put("payout_mode", source.payoutMode());
        Template t = source.template();
        double networkDifficulty = Double.NaN;
        if (t != null) {
            o.put("height", t.blockTemplate().height() - 1);
            networkDifficulty = Target.fromCompact(t.blockTemplate().bits()).difficulty();
            o.put("network_difficulty", networkDifficulty);
        }
        ShareStats.PoolView p = source.stats().pool();
        o.set("hashrate", hashrate(p.hashrate()));
        List<ShareStats.AccountView> accounts = source.stats().accounts();
        o.put("miners_online", accounts.stream().filter(a -> a.hashrate().m5() > 0).count());
        o.put("workers_online", source.stats().workers().stream().filter(w -> w.hashrate().m5() > 0).count());
        o.put("best_share_difficulty_round", p.bestDifficultyRound());
        if (!Double.isNaN(networkDifficulty)) {
            double h = p.hashrate().h1() > 0 ? p.hashrate().h1() : p.hashrate().m5();
            double seconds = ShareStats.expectedSecondsToBlock(networkDifficulty, h);
            if (Double.isFinite(seconds)) {
                o.put("expected_seconds_to_block", seconds);
            } else {
                o.putNull("expected_seconds_to_block");
            }
        }
        o.set("series", series(a -> true));
        o.set("blocks", blocks(b -> true, t));
        Map<String, Double> bySource = source.difficultyByTemplateSource();
        if (!bySource.isEmpty()) {
            ObjectNode d = o.putObject("decentralization");
            double total = bySource.values().stream().mapToDouble(Double::doubleValue).sum();
            double declared = bySource.entrySet().stream().filter(e -> !e.getKey().equals("pool"))
                    .mapToDouble(Map.Entry::getValue).sum();
            d.put("miner_declared_fraction", total > 0 ? declared / total : 0);
            // a template source is a miner that chose its own templates: the accounts with shares on them in 24 h
            d.put("template_sources", source.stats().templates().declaringAccounts24h());
            ObjectNode by = d.putObject("difficulty_by_source");
            bySource.forEach(by::put);
        }
        return o;
    }

    /** The address page's JSON ({@code /api/public/address/ACCOUNT}). */
    public ObjectNode address(String account) {
        ObjectNode o = JSON.createObjectNode();
        o.put("account", account);
        ShareStats.Hashrate total = ShareStats.Hashrate.ZERO;
        Map<String, ShareStats.WorkerView> live = new java.util.HashMap<>();
        for (ShareStats.WorkerView w : source.stats().workers()) {
            if (w.account().equals(account)) {
                live.put(w.worker(), w);
                total = total.plus(w.hashrate());
            }
        }
        o.set("hashrate", hashrate(total));
        ArrayNode workers = o.putArray("workers");
        for (WorkerStats w : source.workerStats(account)) {
            ObjectNode wo = workers.addObject();
            ShareStats.WorkerView v = live.get(w.worker());
            wo.put("worker", w.worker());
            wo.put("name", Worker.workerNameOf(w.worker()));
            wo.set("hashrate", hashrate(v == null ? ShareStats.Hashrate.ZERO : v.hashrate()));
            wo.put("shares", w.shares());
            wo.put("best_share_difficulty", v == null ? 0 : v.bestDifficulty());
            wo.put("last_share_at", w.lastShareAt().toString());
        }
        o.set("series", series(account::equals));
        o.set("blocks", blocks(b -> account.equals(b.user()), source.template()));
        org.templar.payout.Balance balance = source.balance(account);
        ObjectNode bo = o.putObject("balance");
        bo.put("immature_sats", balance.immatureSats());
        bo.put("available_sats", balance.availableSats());
        bo.put("in_payment_sats", balance.inPaymentSats());
        bo.put("paid_sats", balance.paidSats());
        bo.put("carried_sats", balance.carriedSats());
        ArrayNode payments = o.putArray("payments");
        for (org.templar.payout.PayoutLedger.Payment p : source.payments(account, PAYMENTS_SHOWN)) {
            ObjectNode po = payments.addObject();
            po.put("kind", p.kind());
            po.put("reference", p.reference());
            po.put("sats", p.sats());
            po.put("at", p.at().toString());
        }
        return o;
    }

    private ArrayNode series(Predicate<String> account) {
        ArrayNode a = JSON.createArrayNode();
        for (ShareStats.Point p : source.stats().series(account)) {
            a.addArray().add(p.start().getEpochSecond()).add(p.hashrate());
        }
        return a;
    }

    private ArrayNode blocks(Predicate<BlockRecord> which, Template t) {
        // confirmations as the pool sees them: blocks on the active chain below the template it mines
        long tip = t == null ? -1 : t.blockTemplate().height() - 1;
        ArrayNode a = JSON.createArrayNode();
        for (BlockRecord b : source.recentBlocks(BLOCKS_SHOWN)) {
            if (!which.test(b)) {
                continue;
            }
            ObjectNode o = a.addObject();
            o.put("height", b.height());
            o.put("hash", b.hash());
            o.put("status", b.status().name().toLowerCase(Locale.ROOT));
            if (b.status() == BlockStatus.ACCEPTED && tip >= b.height()) {
                o.put("confirmations", tip - b.height() + 1);
            } else {
                o.putNull("confirmations");
            }
            o.put("account", b.user());
            o.put("worker", Worker.workerNameOf(b.worker()));
            o.put("reward_sats", b.rewardSats());
            o.put("found_at", b.foundAt().toString());
        }
        return a;
    }

    private static ObjectNode hashrate(ShareStats.Hashrate h) {
        ObjectNode o = JSON.createObjectNode();
        o.put("5m", h.m5());
        o.put("1h", h.h1());
        o.put("24h", h.h24());
        return o;
    }

    // ------------------------------------------------------------------ files

    private Page html(String name) {
        return asset(RESOURCES + name, "text/html; charset=utf-8");
    }

    private Page json(JsonNode body) {
        try {
            return new Page(200, "application/json", JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Page asset(String resource, String contentType) {
        byte[] body = assets.computeIfAbsent(resource, Dashboard::load);
        return body.length == 0 ? Page.notFound() : new Page(200, contentType, body);
    }

    private static byte[] load(String resource) {
        try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? new byte[0] : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
