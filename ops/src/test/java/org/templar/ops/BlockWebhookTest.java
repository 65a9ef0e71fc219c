package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;
import org.templar.ops.config.ConfigException;
import org.templar.ops.config.ConfigLoader;

/** A found block is POSTed as JSON to the configured webhook (a real HTTP server on loopback). */
@Timeout(120)
class BlockWebhookTest {
    @Test
    void aFoundBlockIsPostedToTheWebhook(@TempDir Path dir) throws Exception {
        BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
        BlockingQueue<String> types = new LinkedBlockingQueue<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        hook.createContext("/hook", ex -> {
            types.add(String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")) + " " + ex.getRequestMethod());
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hook.start();
        try {
            String url = "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook";
            String address = SoloAndPoolMiningTest.newAddress();
            try (PoolHarness pool = PoolHarness.start(dir, Map.of("notify.webhook_urls", url));
                    CpuMiner miner = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, address + ".rig"))) {
                assertTrue(miner.awaitBlocks(1, Duration.ofSeconds(60)), miner.snapshot().toString());
                String body = bodies.poll(30, TimeUnit.SECONDS);
                assertNotNull(body, "the webhook was called");
                assertEquals("application/json POST", types.poll());
                JsonNode b = new ObjectMapper().readTree(body);
                assertEquals("block_accepted", b.get("event").asText(), body);
                assertEquals(address + ".rig", b.get("worker").asText());
                assertEquals("regtest", b.get("network").asText());
                assertTrue(pool.pool().ledger().blockByHash(b.get("hash").asText()).isPresent(), body);
                assertTrue(b.get("content").asText().startsWith("Block " + b.get("height").asLong() + " accepted on regtest"),
                        body);
                assertEquals(b.get("content").asText(), b.get("text").asText());
            }
        } finally {
            hook.stop(0);
        }
        ConfigException bad = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("notify.webhook_urls", "discord.com/api/webhooks/x")));
        assertTrue(bad.getMessage().contains("notify.webhook_urls"), bad.getMessage());
    }
}
