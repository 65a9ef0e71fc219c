package org.templar.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import org.templar.payout.BlockRecord;
import org.templar.payout.WorkerStats;
import org.templar.pool.sv1.session.Sv1Session;

/**
 * The operator's HTTP surfaces, on the JDK's built-in server (neither is a hot path): the Prometheus
 * exporter (/metrics, unauthenticated, as scrapers expect) and the admin API (JSON, bearer token,
 * bound to loopback by default).
 */
public final class HttpEndpoints implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS); // ISO-8601 times, readable in a terminal

    private final HttpServer server;

    private HttpEndpoints(HttpServer server) {
        this.server = server;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public static HttpEndpoints metrics(InetSocketAddress bind, CollectorRegistry registry) throws IOException {
        HttpServer s = HttpServer.create(bind, 64);
        s.createContext("/metrics", ex -> {
            StringWriter w = new StringWriter();
            TextFormat.write004(w, registry.metricFamilySamples());
            respond(ex, 200, TextFormat.CONTENT_TYPE_004, w.toString());
        });
        s.setExecutor(Executors.newSingleThreadExecutor(daemon("metrics-http")));
        s.start();
        return new HttpEndpoints(s);
    }

    public static HttpEndpoints admin(InetSocketAddress bind, String token, PoolRuntime pool) throws IOException {
        HttpServer s = HttpServer.create(bind, 64);
        byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        s.createContext("/api/", ex -> {
            try {
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                if (auth == null || !MessageDigest.isEqual(expected, auth.getBytes(StandardCharsets.UTF_8))) {
                    respond(ex, 401, "application/json", "{\"error\":\"missing or wrong admin token\"}");
                    return;
                }
                route(ex, pool);
            } catch (RuntimeException e) {
                respond(ex, 500, "application/json", error(e.toString()));
            }
        });
        s.setExecutor(Executors.newSingleThreadExecutor(daemon("admin-http")));
        s.start();
        return new HttpEndpoints(s);
    }

    private static void route(HttpExchange ex, PoolRuntime pool) throws IOException {
        String path = ex.getRequestURI().getPath();
        Map<String, String> q = query(ex.getRequestURI());
        boolean post = "POST".equals(ex.getRequestMethod());
        switch (path) {
            case "/api/status" -> {
                ObjectNode o = JSON.createObjectNode();
                o.put("network", pool.config().network().toString());
                o.put("payout_mode", pool.config().pool().mode().ledgerName());
                var t = pool.templates().current();
                if (t != null) {
                    o.put("height", t.blockTemplate().height());
                    o.put("previous_block", t.blockTemplate().previousBlockHashHex());
                    o.put("template_transactions", t.blockTemplate().transactions().size());
                    o.put("coinbase_value_sats", t.blockTemplate().coinbaseValue());
                }
                o.put("sv1_connections", pool.sv1().map(s -> s.connectionCount()).orElse(0));
                o.put("sv2_connections", pool.sv2().map(s -> s.connectionCount()).orElse(0));
                pool.authority().ifPresent(a -> o.put("sv2_authority_public_key", a.publicKey().toBase58()));
                o.put("shares_recorded", pool.ledger().shareCount());
                o.put("ledger_queue_depth", pool.ledger().queueDepth());
                respondJson(ex, o);
            }
            case "/api/workers" -> {
                ArrayNode a = JSON.createArrayNode();
                Map<String, Integer> online = new HashMap<>();
                pool.sv1().ifPresent(s -> s.sessions().forEach(
                        sess -> sess.worker().ifPresent(w -> online.merge(w.username(), 1, Integer::sum))));
                pool.sv2().ifPresent(s -> s.sessions().forEach(
                        sess -> sess.workers().forEach(w -> online.merge(w.username(), 1, Integer::sum))));
                for (WorkerStats w : pool.ledger().workerStats()) {
                    ObjectNode o = JSON.valueToTree(w);
                    o.put("connections", online.getOrDefault(w.worker(), 0));
                    a.add(o);
                }
                respondJson(ex, a);
            }
            case "/api/blocks" -> {
                int limit = Integer.parseInt(q.getOrDefault("limit", "20"));
                ArrayNode a = JSON.createArrayNode();
                for (BlockRecord b : pool.ledger().recentBlocks(Math.max(1, Math.min(limit, 1000)))) {
                    a.add(JSON.valueToTree(b));
                }
                respondJson(ex, a);
            }
            case "/api/kick" -> {
                if (!post) {
                    respond(ex, 405, "application/json", error("use POST"));
                    return;
                }
                String worker = q.get("worker");
                if (worker == null) {
                    respond(ex, 400, "application/json", error("worker=NAME is required"));
                    return;
                }
                java.util.function.Predicate<org.templar.pool.core.Worker> named =
                        w -> w.username().equals(worker) || w.user().equals(worker);
                int n = 0;
                for (Sv1Session s : pool.sv1().map(v -> v.sessions()).orElse(java.util.List.of())) {
                    if (s.worker().map(named::test).orElse(false) && pool.sv1().get().kick(s)) {
                        n++;
                    }
                }
                for (var s : pool.sv2().map(v -> v.sessions()).orElse(java.util.List.of())) {
                    if (s.workers().stream().anyMatch(named) && pool.sv2().get().kick(s)) {
                        n++;
                    }
                }
                ObjectNode o = JSON.createObjectNode();
                o.put("disconnected", n);
                respondJson(ex, o);
            }
            case "/api/bans" -> respondJson(ex, JSON.valueToTree(pool.context().bans().active()));
            case "/api/ban", "/api/unban" -> {
                if (!post) {
                    respond(ex, 405, "application/json", error("use POST"));
                    return;
                }
                java.net.InetAddress address = literalAddress(q.get("ip"));
                if (address == null) {
                    respond(ex, 400, "application/json", error("ip=ADDRESS (an IPv4 or IPv6 literal) is required"));
                    return;
                }
                ObjectNode o = JSON.createObjectNode();
                o.put("ip", address.getHostAddress());
                if (path.equals("/api/unban")) {
                    o.put("was_banned", pool.context().bans().unban(address));
                } else {
                    long minutes = Long.parseLong(q.getOrDefault("minutes", "60"));
                    if (minutes < 1) {
                        respond(ex, 400, "application/json", error("minutes must be at least 1"));
                        return;
                    }
                    o.put("until", pool.context().bans().ban(address, java.time.Duration.ofMinutes(minutes)).toString());
                    o.put("disconnected", pool.sv1().map(s -> s.kickAddress(address)).orElse(0)
                            + pool.sv2().map(s -> s.kickAddress(address)).orElse(0)
                            + pool.jds().map(s -> s.kickAddress(address)).orElse(0));
                }
                respondJson(ex, o);
            }
            default -> respond(ex, 404, "application/json", error("no such endpoint: " + path));
        }
    }

    /** An IP literal, never a host name (no DNS lookups from the admin API); null if not one. */
    private static java.net.InetAddress literalAddress(String text) {
        if (text == null || text.isEmpty() || !text.matches("[0-9A-Fa-f:.]+")) {
            return null;
        }
        try {
            return java.net.InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new HashMap<>();
        String q = uri.getRawQuery();
        if (q == null) {
            return out;
        }
        for (String part : q.split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                out.put(java.net.URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static String error(String message) {
        return JSON.createObjectNode().put("error", message).toString();
    }

    private static void respondJson(HttpExchange ex, Object body) throws IOException {
        respond(ex, 200, "application/json", JSON.writeValueAsString(body));
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
