package org.templar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.templar.client.miner.CpuMiner;

/** The operator's view: admin API with its token, Prometheus metrics, after real mining. */
@Timeout(120)
class AdminAndMetricsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void adminApiAndMetricsReportWhatWasMined(@TempDir Path dir) throws Exception {
        String address = SoloAndPoolMiningTest.newAddress();
        Map<String, String> cfg = Map.of("admin.listen", "127.0.0.1:0", "metrics.listen", "127.0.0.1:0",
                "sv2.listen", "127.0.0.1:0", "sv2.authority_key_file", dir.resolve("keys/authority.key").toString());
        try (PoolHarness pool = PoolHarness.start(dir, cfg)) {
            try (CpuMiner miner = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, address + ".rig"))) {
                // the miner also counts a solve that lost its height (STALE) as a block: wait for the ledger
                PoolHarness.await(Duration.ofSeconds(60), () -> pool.pool().ledger().recentBlocks(50).stream()
                        .filter(b -> b.status() == org.templar.payout.BlockStatus.ACCEPTED).count() >= 2,
                        "2 accepted blocks");
            }
            // the pool answers the share before its block reaches the node: wait for the chain to show it
            PoolHarness.await(Duration.ofSeconds(20), () -> {
                var t = pool.pool().templates().current();
                return t != null && t.blockTemplate().height() >= 3;
            }, "the pool's template builds on the mined blocks");
            String token = Files.readString(dir.resolve("admin.token")).trim();
            assertEquals(64, token.length());
            String admin = "http://127.0.0.1:" + pool.running.admin().address().getPort();
            assertEquals(401, get(admin + "/api/status", null).statusCode());
            assertEquals(401, get(admin + "/api/status", "wrong").statusCode());

            ObjectMapper json = new ObjectMapper();
            JsonNode status = json.readTree(get(admin + "/api/status", token).body());
            assertEquals("regtest", status.get("network").asText());
            assertTrue(status.get("tip_height").asInt() >= 2, status.toString());
            assertTrue(status.get("shares_recorded").asLong() >= 2);
            assertEquals(0, status.get("sv2_connections").asInt());
            assertEquals(pool.pool().authority().orElseThrow().publicKey().toBase58(),
                    status.get("sv2_authority_public_key").asText(), "the key the configured file holds");
            assertTrue(Files.isRegularFile(dir.resolve("keys/authority.key")));

            PoolHarness.await(Duration.ofSeconds(10), () -> {
                try {
                    return json.readTree(get(admin + "/api/blocks", token).body()).size() >= 2;
                } catch (Exception e) {
                    return false;
                }
            }, "blocks listed");
            JsonNode blocks = json.readTree(get(admin + "/api/blocks", token).body());
            assertEquals(address + ".rig", blocks.get(0).get("worker").asText());
            JsonNode workers = json.readTree(get(admin + "/api/workers", token).body());
            assertTrue(workers.toString().contains(address + ".rig"), workers.toString());

            String metrics = get("http://127.0.0.1:" + pool.running.metrics().address().getPort() + "/metrics", null).body();
            assertTrue(metrics.contains("templar_shares_accepted_total{protocol=\"sv1\",}"), metrics);
            assertTrue(metrics.contains("templar_blocks_found_total{status=\"accepted\",}"));
            assertTrue(metrics.contains("templar_job_broadcast_seconds"));
            assertTrue(metrics.contains("templar_ledger_commit_seconds_count"), "ledger metrics are exported");
            assertTrue(!metrics.contains("templar_ledger_batch_shares_count 0.0"), "and the ledger committed batches");
        }
    }

    @Test
    void kickDisconnectsTheWorker(@TempDir Path dir) throws Exception {
        Map<String, String> cfg = Map.of("admin.listen", "127.0.0.1:0");
        String address = SoloAndPoolMiningTest.newAddress();
        try (PoolHarness pool = PoolHarness.start(dir, cfg); Sv1TestClient c = new Sv1TestClient(pool.sv1())) {
            c.call("mining.subscribe", "[]");
            c.call("mining.authorize", "[\"" + address + ".k\",\"x\"]");
            String token = Files.readString(dir.resolve("admin.token")).trim();
            String admin = "http://127.0.0.1:" + pool.running.admin().address().getPort();
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(admin + "/api/kick?worker=" + address + ".k"))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(1, new ObjectMapper().readTree(r.body()).get("disconnected").asInt());
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void bannedAddressIsDroppedAndRefusedUntilUnbanned(@TempDir Path dir) throws Exception {
        try (PoolHarness pool = PoolHarness.start(dir, Map.of("admin.listen", "127.0.0.1:0"))) {
            String token = Files.readString(dir.resolve("admin.token")).trim();
            String admin = "http://127.0.0.1:" + pool.running.admin().address().getPort();
            try (Sv1TestClient before = new Sv1TestClient(pool.sv1())) {
                before.call("mining.subscribe", "[]");
                JsonNode banned = new ObjectMapper().readTree(post(admin + "/api/ban?ip=127.0.0.1&minutes=5", token));
                assertEquals(1, banned.get("disconnected").asInt());
                assertTrue(before.closedByPeer(), "the banned address's connection is dropped");
            }
            // refused at connect with a reset, which may already fail the client's socket set-up
            try (Sv1TestClient refused = new Sv1TestClient(pool.sv1())) {
                assertTrue(refused.closedByPeer(), "a banned address is refused at connect");
            } catch (java.net.SocketException reset) {
                // refused
            }
            assertTrue(get(admin + "/api/bans", token).body().contains("127.0.0.1"));
            assertEquals(400, HTTP.send(HttpRequest.newBuilder(URI.create(admin + "/api/ban?ip=example.com"))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "host names are not looked up");
            post(admin + "/api/unban?ip=127.0.0.1", token);
            try (Sv1TestClient after = new Sv1TestClient(pool.sv1())) {
                assertTrue(after.call("mining.subscribe", "[]").get("error").isNull(), "served again after unban");
            }
        }
    }

    private static String post(String url, String token) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }
}
