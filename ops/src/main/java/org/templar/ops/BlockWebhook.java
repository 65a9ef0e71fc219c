package org.templar.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.payout.BlockRecord;

/**
 * Block notifications: a JSON POST to each configured URL when the ledger records a block's status.
 * The body carries {@code content} (Discord) and {@code text} (Slack, Mattermost) with one readable
 * line, plus the block's fields for anything that reads JSON; ntfy-style endpoints publish the body.
 * Sent off the block path on its own thread; a failing endpoint is logged, never retried forever.
 */
final class BlockWebhook implements Consumer<BlockRecord>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlockWebhook.class);

    private volatile List<URI> urls;
    private final String network;
    private final HttpClient http;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "block-webhook");
        t.setDaemon(true);
        return t;
    });

    BlockWebhook(List<URI> urls, String network) {
        this.urls = List.copyOf(urls);
        this.network = network;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).executor(sender).build();
    }

    /** Replaces the URLs ({@code templar reload}); a POST already under way still goes out. */
    void urls(List<URI> urls) {
        this.urls = List.copyOf(urls);
    }

    List<URI> urls() {
        return urls;
    }

    /** The JSON sent for one block. */
    static ObjectNode body(BlockRecord b, String network) {
        String status = b.status().name().toLowerCase(Locale.ROOT);
        String line = String.format(Locale.ROOT, "Block %d %s on %s: %s, found by %s, reward %.8f BTC", b.height(), status,
                network, b.hash(), b.worker(), b.rewardSats() / 1e8);
        ObjectNode o = AdminApi.JSON.createObjectNode();
        o.put("content", line);
        o.put("text", line);
        // found: block_accepted / block_stale / block_rejected...; then block_matured or block_orphaned
        o.put("event", b.status() == org.templar.payout.BlockStatus.MATURE ? "block_matured" : "block_" + status);
        o.put("network", network);
        o.put("height", b.height());
        o.put("hash", b.hash());
        o.put("status", status);
        o.put("worker", b.worker());
        o.put("reward_sats", b.rewardSats());
        o.put("found_at", b.foundAt().toString());
        if (b.reason() != null) {
            o.put("reason", b.reason());
        }
        return o;
    }

    @Override
    public void accept(BlockRecord block) {
        List<URI> to = urls;
        if (to.isEmpty()) {
            return;
        }
        String json = body(block, network).toString();
        for (URI url : to) {
            HttpRequest req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build();
            http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                if (e != null) {
                    log.warn("block webhook {}: {}", url.getHost(), e.toString());
                } else if (r.statusCode() / 100 != 2) {
                    log.warn("block webhook {} answered {}", url.getHost(), r.statusCode());
                }
            });
        }
    }

    @Override
    public void close() {
        sender.shutdown();
    }
}
