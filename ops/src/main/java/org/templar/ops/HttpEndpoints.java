package org.templar.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
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

/**
 * The operator's HTTP surfaces, on the JDK's built-in server (neither is a hot path): the Prometheus
 * exporter (/metrics, unauthenticated, as scrapers expect) and the admin API (JSON, bearer token,
 * bound to loopback by default).
 */
public final class HttpEndpoints implements AutoCloseable {
    private static final ObjectMapper JSON = AdminApi.JSON;

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
        AdminApi api = new AdminApi(pool);
        s.createContext("/api/", ex -> {
            try {
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                if (auth == null || !MessageDigest.isEqual(expected, auth.getBytes(StandardCharsets.UTF_8))) {
                    respond(ex, 401, "application/json", "{\"error\":\"missing or wrong admin token\"}");
                    return;
                }
                AdminApi.Response r = api.handle(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                        query(ex.getRequestURI()));
                respond(ex, r.status(), "application/json", JSON.writeValueAsString(r.body()));
            } catch (RuntimeException e) {
                respond(ex, 500, "application/json", error(e.toString()));
            }
        });
        s.setExecutor(Executors.newSingleThreadExecutor(daemon("admin-http")));
        s.start();
        return new HttpEndpoints(s);
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
