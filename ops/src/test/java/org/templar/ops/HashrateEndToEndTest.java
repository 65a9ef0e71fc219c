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
import org.templar.client.miner.MinerStats;
import org.templar.pool.core.ShareStats;

/**
 * The pool's hashrate figure against a miner of known rate: the CPU miner counts every hash it
 * computes, the pool only sees the difficulty of the shares it accepts. The two must agree within
 * the statistics of share finding (a Poisson process: n shares give a relative error of about
 * 1/sqrt(n)).
 */
@Timeout(180)
class HashrateEndToEndTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void poolHashrateMatchesTheMinersOwnCount(@TempDir Path dir) throws Exception {
        String address = SoloAndPoolMiningTest.newAddress();
        // a low fixed difficulty: many shares in a short run, so the estimate is tight (on regtest every
        // such share is also a block, which only makes the run more realistic: jobs change all the time)
        Map<String, String> cfg = Map.of("admin.listen", "127.0.0.1:0", "metrics.listen", "127.0.0.1:0",
                "vardiff.initial", "0.00005", "vardiff.minimum", "0.00005", "vardiff.maximum", "0.00005");
        try (PoolHarness pool = PoolHarness.start(dir, cfg);
                CpuMiner miner = CpuMiner.start(SoloAndPoolMiningTest.miner(pool, address + ".rig"))) {
            assertTrue(miner.awaitAccepted(1, Duration.ofSeconds(60)), "a first share: " + miner.snapshot());
            // the pool measures from the first accepted share; so does the miner's reference figure
            MinerStats start = miner.snapshot();
            assertTrue(miner.awaitAccepted(200, Duration.ofSeconds(120)), "200 shares: " + miner.snapshot());
            MinerStats end = miner.snapshot();
            ShareStats.WorkerView w = pool.pool().stats().workers().stream()
                    .filter(v -> v.worker().equals(address + ".rig")).findFirst().orElseThrow();
            double minerRate = (end.hashes() - start.hashes())
                    / ((end.uptime().toNanos() - start.uptime().toNanos()) / 1e9);
            long n = w.accepted() - 1; // the first share starts the clock and is not counted
            double bound = 3.5 / Math.sqrt(n) + 0.05; // 3.5 sigma of share luck, plus timing slack
            double ratio = w.hashrate().m5() / minerRate;
            assertTrue(Math.abs(ratio - 1) < bound, "pool " + w.hashrate().m5() + " H/s vs miner " + minerRate
                    + " H/s over " + n + " shares: ratio " + ratio + ", bound " + bound);
            // all windows reach back before the first share here, so they agree
            assertEquals(w.hashrate().m5(), w.hashrate().h24(), w.hashrate().m5() * 0.05);
            assertTrue(w.bestDifficulty() >= 0.0001 && w.lastShareAt() != null);

            // the same figures on the admin API and in Prometheus
            String token = Files.readString(dir.resolve("admin.token")).trim();
            String admin = "http://127.0.0.1:" + pool.running.admin().address().getPort();
            ObjectMapper json = new ObjectMapper();
            JsonNode status = json.readTree(get(admin + "/api/status", token));
            double apiRate = status.path("hashrate").path("5m").asDouble();
            assertTrue(Math.abs(apiRate / minerRate - 1) < bound, status.toString());
            assertTrue(status.path("shares_by_outcome").path("accepted").asLong() >= 200, status.toString());
            assertTrue(status.path("network_difficulty").asDouble() > 0, status.toString());
            double eta = status.path("expected_seconds_to_block").asDouble();
            double expectedEta = status.path("network_difficulty").asDouble() * ShareStats.HASHES_PER_DIFFICULTY_1 / apiRate;
            assertEquals(expectedEta, eta, expectedEta * 0.2, status.toString());
            JsonNode workers = json.readTree(get(admin + "/api/workers", token));
            assertTrue(workers.get(0).path("hashrate").path("1h").asDouble() > 0, workers.toString());
            JsonNode accounts = json.readTree(get(admin + "/api/accounts", token));
            assertEquals(address, accounts.get(0).path("account").asText(), accounts.toString());

            String metrics = get("http://127.0.0.1:" + pool.running.metrics().address().getPort() + "/metrics", null);
            assertTrue(metrics.contains("templar_pool_hashrate{window=\"5m\",}"), metrics);
            assertTrue(metrics.contains("templar_account_hashrate{account=\"" + address + "\",window=\"1h\",}"), metrics);
            assertTrue(metrics.contains("templar_network_difficulty "), metrics);
        }
    }

    private static String get(String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }
}
